"""The common problems a citizen picks from, in plain words, each mapped to an event class.

The reporter never sees a class code: the list below is what people say, and the class behind
it is the platform's business. Anything else is found by searching the active classes by name
(`selectors.class_choices`). A problem whose class is not active is left out of the form.
"""
from __future__ import annotations

# (key, plain words shown, event class code); keys are what the form posts.
COMMON_PROBLEMS: list[tuple[str, str, str]] = [
    ("rubbish", "路边、小区有垃圾没人清理", "06010"),
    ("bin_full", "垃圾桶、垃圾站满了", "06042"),
    ("dirty_road", "道路脏、没人打扫", "06012"),
    ("clutter", "乱堆杂物、建材", "06036"),
    ("street_stall", "占道摆摊", "09006"),
    ("shop_outside", "店铺把摊子摆到门外", "09005"),
    ("parking", "机动车乱停乱放", "09008"),
    ("manhole", "井盖破损、丢失", "01002"),
    ("street_light", "路灯不亮", "01006"),
    ("water_pipe", "自来水管破了、漏水", "10002"),
    ("flooding", "道路积水", "10006"),
    ("noise", "噪声扰民", "55003"),
    ("fire_lane", "消防通道被堵", "57001"),
    ("ebike_charging", "电动车在楼道里充电", "52002"),
    ("neighbours", "邻里纠纷需要调解", "51001"),
    ("ads", "乱贴小广告", "07001"),
]
OTHER = "other"  # "something else": the class is chosen by searching names
