"""A form view for the stock screens: permission first, then a form with an optional formset of
lines, then one service; its refusal goes back on the form (config.wagtail_admin)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from config.wagtail_admin import admin_action_log, form_add_service_errors
from fund.errors import FundError

from .models import StockLine


class StockLineChoiceField(forms.ModelChoiceField):
    """A stock line by fund, item and restriction: the item and the stock it comes from."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", StockLine.objects.select_related("fund", "item"))
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return f"{obj.fund.code} · {obj.item} · {obj.get_restriction_display()}"


class ServiceFormView(WagtailAdminTemplateMixin, FormView):
    """``permissions``: any one of them opens the view. ``line_form``: a form class for the
    lines, shown as a table of ``line_count`` rows; empty rows are skipped."""

    template_name = "care/admin/stock_form.html"
    header_icon = "clipboard-list"
    permissions: tuple[str, ...] = ()
    line_form: type[forms.Form] | None = None
    line_count = 8
    log_action = ""
    submit_button_label = _("Save")
    done_message = _("Done.")

    def dispatch(self, request, *args, **kwargs):
        if not any(request.user.has_perm(p) for p in self.permissions):
            raise PermissionDenied
        self.object = self.get_object(kwargs.get("pk"))
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, pk):
        return None

    def get_formset(self):
        if self.line_form is None:
            return None
        formset_class = forms.formset_factory(self.line_form, extra=self.line_count, max_num=50)
        data = self.request.POST if self.request.method == "POST" else None
        return formset_class(data=data, prefix="lines")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", getattr(self, "formset", None) or self.get_formset())
        return super().get_context_data(
            object=self.object,
            action_url=self.request.get_full_path(),
            submit_button_label=self.submit_button_label,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        self.formset = self.get_formset()
        if form.is_valid() and (self.formset is None or self.formset.is_valid()):
            return self.form_valid(form)
        return self.form_invalid(form)

    def lines(self) -> list[dict]:
        if self.formset is None:
            return []
        return [f.cleaned_data for f in self.formset.forms if f.cleaned_data and any(f.cleaned_data.values())]

    def run(self, form):
        raise NotImplementedError

    def success_url_for(self, instance) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            instance = self.run(form)
        except FundError as exc:  # CareError is a FundError
            form_add_service_errors(form, exc)
            return self.form_invalid(form)
        if self.log_action:
            admin_action_log(instance=instance, action=self.log_action, user=self.request.user)
        messages.success(self.request, self.done_message)
        return redirect(self.success_url_for(instance))


class LineForm(forms.Form):
    """A row of a lines table: no <label> beside each cell, so each input names itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False  # an empty row is skipped; the service refuses half a line
            field.widget.attrs.setdefault("aria-label", str(field.label))
