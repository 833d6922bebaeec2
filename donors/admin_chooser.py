"""Pick a donor in a back-office form by searching, not by scrolling: a national appeal has
tens of thousands of donors, and a <select> of all of them is unusable on a phone and slow to
send. Wagtail's chooser (a modal with a search box and paged results), limited to staff who
may see donors."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from .models import Donor

VIEW_PERMISSION = "donors.view_donor"


class DonorSearchForm(BaseFilterForm):
    """Name, email, phone or tax code. Donor is not in Wagtail's search index (the ledger's
    people are searched where they live, in PostgreSQL), so this filters the query itself."""

    q = forms.CharField(
        label=_("Search term"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Name, email, phone or tax code")}),
    )

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if not query:
            return objects
        self.is_searching = True
        self.search_query = query
        return objects.filter(
            Q(name__icontains=query) | Q(email__iexact=query) | Q(phone__contains=query) | Q(tax_code=query)
        )


class _DonorsOnly:
    """Every view of the chooser (the modal, its results, the chosen item) answers only staff who
    may see donors: the admin's own sign-in check would let any staff member list them."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class DonorChooseView(_DonorsOnly, chooser_views.ChooseView):
    filter_form_class = DonorSearchForm


class DonorChooseResultsView(_DonorsOnly, chooser_views.ChooseResultsView):
    filter_form_class = DonorSearchForm


class DonorChosenView(_DonorsOnly, chooser_views.ChosenView):
    pass


class DonorChosenMultipleView(_DonorsOnly, chooser_views.ChosenMultipleView):
    pass


class DonorCreateView(_DonorsOnly, chooser_views.CreateView):
    """Never offered (no creation form: donors are added through their own screen's service);
    closed all the same."""


class DonorChooserViewSet(ChooserViewSet):
    model = Donor
    icon = "user"
    choose_one_text = _("Choose a donor")
    choose_another_text = _("Choose another donor")
    edit_item_text = _("Open the donor")
    per_page = 20
    choose_view_class = DonorChooseView
    choose_results_view_class = DonorChooseResultsView
    chosen_view_class = DonorChosenView
    chosen_multiple_view_class = DonorChosenMultipleView
    create_view_class = DonorCreateView
    # Only the forms that ask for it get the chooser; Wagtail would otherwise put it on every
    # model form with a donor field.
    register_widget = False

    def get_object_list(self):
        return Donor.objects.order_by("name", "pk")


donor_chooser_viewset = DonorChooserViewSet("donor_chooser", url_prefix="donors/choose")


def donor_chooser_widget():
    """The widget for a ModelChoiceField of donors in an admin form (include ``form.media``)."""
    return donor_chooser_viewset.widget_class()
