"""Lists of fields that several layers of this app name (services, API, forms, importer):
defined once here, as data, and imported by each of them."""

# The typed columns of a value, a baseline or a target (plus "parts" for values in parts).
TYPED_FIELDS = (
    "numeric_value",
    "currency",
    "bool_value",
    "text_value",
    "is_missing",
    "footnote",
    "source",
)

# Which input a person typed a typed field into (one value box, one footnote box): a service's
# error about the field is shown there, on the page and in the import's problem list alike.
TYPED_FIELD_INPUT = {
    "numeric_value": "value",
    "currency": "value",
    "bool_value": "value",
    "text_value": "value",
    "parts": "value",
    "footnote": "footnote",
}

# The fields of an indicator that indicator_create/indicator_update accept and the API lists.
INDICATOR_FIELDS = (
    "node",
    "name_en",
    "name_zh",
    "definition_en",
    "definition_zh",
    "data_source_en",
    "data_source_zh",
    "frequency",
    "responsible_entity",
    "org_unit",
    "value_kind",
    "unit_en",
    "unit_zh",
    "currency",
    "decimals",
    "direction",
    "method_in_development",
    "disaggregation_en",
    "disaggregation_zh",
    "part_labels",
    "is_illustrative",
    "is_active",
    "order",
)

# Fields an indicator had in one language only, now pairs `<field>_en`/`<field>_zh`: a request
# that still names the old field is refused with the new names rather than silently ignored.
BILINGUAL_RENAMED = ("definition", "data_source", "unit")
PLAN_BILINGUAL_RENAMED = ("note",)
