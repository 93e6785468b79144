from catalog.models import Item

EXEMPT_MODELS = {
    Item._meta.label: "province guidance catalog: global reference data, read by all, written by administrators",
}
