"""API routes of conclusions and recommendations (included by api/urls.py, after
its `id` converter)."""

from django.urls import path

from api.views.conclusions import (
    ConclusionIssueView,
    ConclusionWithdrawView,
    RecommendationViewSet,
    UnitOpenRecommendationsView,
    VisitConclusionView,
)

recommendation_list = RecommendationViewSet.as_view({"get": "list"})
recommendation_detail = RecommendationViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update"}
)

urlpatterns: list = [
    path("visits/<id:visit_pk>/conclusion/", VisitConclusionView.as_view(), name="conclusion"),
    path(
        "visits/<id:visit_pk>/conclusion/issue/",
        ConclusionIssueView.as_view(),
        name="conclusion-issue",
    ),
    path(
        "visits/<id:visit_pk>/conclusion/withdraw/",
        ConclusionWithdrawView.as_view(),
        name="conclusion-withdraw",
    ),
    path("recommendations/", recommendation_list, name="recommendation-list"),
    path("recommendations/<id:pk>/", recommendation_detail, name="recommendation-detail"),
    path(
        "units/<id:unit_pk>/open-recommendations/",
        UnitOpenRecommendationsView.as_view(),
        name="unit-open-recommendations",
    ),
]
