"""drf-spectacular extensions: how the OpenAPI schema describes our own classes.

Every operation documents the RFC 9457 problem details it can answer with
(api.problems), so that a client generator or a fuzzer knows that a 404 comes as
`application/problem+json` with `type`, `title`, `status` and `detail`.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from api.problems import PROBLEM_CONTENT_TYPE


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/token/.",
        }


class ProblemRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row as the spreadsheet shows it (header: 1).")
    column = serializers.CharField(help_text="The column's header as the file gives it.")
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as api.problems writes them."""

    type = serializers.CharField(
        help_text="A URI reference naming the kind of problem; `about:blank` when the "
        "status code says it all."
    )
    title = serializers.CharField(help_text="A short summary of the kind of problem.")
    status = serializers.IntegerField(min_value=400, max_value=599)
    detail = serializers.CharField(help_text="What went wrong here, and what to do about it.")
    instance = serializers.CharField(required=False, help_text="The path that was requested.")
    # DRF's serializer metaclass pops declared fields out of the class body, so this
    # field does not shadow the `Serializer.errors` property; the stubs cannot express
    # that and see a property overridden.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid input: the messages per field path (`sessions[0].end`); "
        "the key '' holds those about the request as a whole.",
    )
    rows = ProblemRowSerializer(
        many=True,
        required=False,
        help_text="For a refused spreadsheet import: each bad cell, by row and column.",
    )


ETAG_SCHEMA = {"type": "string", "pattern": r'^"v[0-9]+"$'}

# The version a write is based on; a stale one answers 412 and changes nothing.
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description='The ETag of the version this change is based on (`"v3"`). If the '
    "object changed since, the answer is 412 and nothing is changed.",
)


def etag_header(*codes: int) -> OpenApiParameter:
    """The `ETag` answered with the object's current version."""
    return OpenApiParameter(
        "ETag",
        ETAG_SCHEMA,
        location=OpenApiParameter.HEADER,
        response=list(codes),
        required=True,
        description="The object's current version; send it back in If-Match.",
    )


PROBLEMS = {
    400: "The request is malformed or its values are not valid; `errors` says which.",
    401: "No valid credentials were sent.",
    403: "The person may see the object but not do this to it.",
    404: "There is no such object, or the person may not see it.",
    406: "The Accept header asks for a representation this endpoint cannot give.",
    409: "The change conflicts with existing data or with the object's status.",
    412: "The If-Match version is stale: someone changed the object; nothing was changed.",
    413: "The request body is too large.",
    415: "The request body's media type is not accepted here.",
    429: "Too many requests (or failed log-ins); try again later.",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    """Adds the problem-details answers to every operation and documents JSON as
    the only request body format, except for file uploads (SPEC §5: "JSON in and
    out"). The form parsers stay enabled in settings, but a nested body such as a
    visit's sessions cannot be sent as a form, so they are not part of the contract."""

    def map_parsers(self):
        media_types = super().map_parsers()
        if "application/json" in media_types:
            return ["application/json"]
        if "multipart/form-data" in media_types:
            return ["multipart/form-data"]
        return media_types

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status_code in self._problem_codes():
            responses.setdefault(str(status_code), self._problem_response(status_code))
        # An error a view documents itself (`responses={409: OpenApiResponse(...)}`)
        # keeps its description but is answered as problem details all the same.
        for code, response in responses.items():
            if code.startswith(("4", "5")) and not response.get("content"):
                problem = self._problem_response(int(code))
                responses[code] = {**problem, **response, "content": problem["content"]}
        return responses

    def _problem_codes(self) -> list[int]:
        authenticated = bool(self.view.get_authenticators())
        codes = [400, 406, 429]
        if authenticated:
            codes += [401, 403, 404]
        if self.method in WRITE_METHODS:
            codes.append(409)
            if self.method != "DELETE":
                codes += [413, 415]
        if any(
            isinstance(p, OpenApiParameter) and p.name == "If-Match"
            for p in self.get_override_parameters()
        ):
            codes.append(412)
        return sorted(codes)

    def _problem_response(self, code: int) -> dict:
        component = self.resolve_serializer(ProblemSerializer, "response")
        response = {
            "description": PROBLEMS.get(code, ""),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": component.ref}},
        }
        if code == 401:
            response["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "required": True}
            }
        elif code == 412:
            response["headers"] = {"ETag": {"schema": ETAG_SCHEMA, "required": True}}
        return response
