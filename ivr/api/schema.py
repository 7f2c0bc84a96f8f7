"""The OpenAPI schema covers the read API alone.

drf-spectacular walks every URL of the project; the webhooks are 8x8's to
call, described by 8x8, and keep DRF's own schema class. This hook (in
`SPECTACULAR_SETTINGS["PREPROCESSING_HOOKS"]`) drops every endpoint outside
the API before the schema is built.
"""

API_PATH_PREFIX = "/api/v1/"


def only_the_read_api(endpoints, **kwargs):
    return [
        endpoint for endpoint in endpoints if endpoint[0].startswith(API_PATH_PREFIX)
    ]
