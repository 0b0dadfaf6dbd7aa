"""OpenAPI description of the personal API token authentication."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token from your profile page (`cs_…`), created from a "
                "signed-in session (never with another token). Each token has a scope, and "
                "each scope includes the ones before it:\n\n"
                "- `read`: GET, HEAD and OPTIONS only;\n"
                "- `annotate`: read, and an annotator's writes: next record, submit or "
                "change a response, skip, discard;\n"
                "- `lead`: annotate, and a lead's writes: applications (create, edit, "
                "submit, withdraw, co-leads), imports, publishing;\n"
                "- `admin`: everything the token's owner may do, organiser decisions "
                "(approve, reject) and revoking tokens included.\n\n"
                "A request outside its token's scope answers 403 naming the scope it needs. "
                "Tokens made before scopes existed have `admin`. A token never grants more "
                "than its owner may do; requests with a session are not limited by scopes."
            ),
        }
