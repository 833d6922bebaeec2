"""Form pieces for the stock and goods screens: a service form with a table of lines, and the
field that picks a stock line."""

from __future__ import annotations

from django import forms

from config.wagtail_admin import ServiceActionView

from .models import StockLine


class StockLineChoiceField(forms.ModelChoiceField):
    """A stock line by fund, item and restriction: the item and the stock it comes from."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", StockLine.objects.select_related("fund", "item"))
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return f"{obj.fund.code} · {obj.item} · {obj.get_restriction_display()}"


class ServiceLinesView(ServiceActionView):
    """config.wagtail_admin.ServiceActionView with a table of lines under the form (a count's
    items, an intake's goods): ``line_form`` is the form of one row, shown ``line_count`` times;
    empty rows are skipped, and the service refuses half a line."""

    template_name = "care/admin/stock_form.html"
    header_icon = "clipboard-list"
    line_form: type[forms.Form] | None = None
    line_count = 8

    def get_formset(self):
        if self.line_form is None:
            return None
        formset_class = forms.formset_factory(self.line_form, extra=self.line_count, max_num=50)
        data = self.request.POST if self.request.method == "POST" else None
        return formset_class(data=data, prefix="lines")

    def get_context_data(self, **kwargs):
        formset = kwargs.setdefault("formset", getattr(self, "formset", None) or self.get_formset())
        context = super().get_context_data(**kwargs)
        if formset is not None:
            context["media"] += formset.media
        return context

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


class LineForm(forms.Form):
    """A row of a lines table: no <label> beside each cell, so each input names itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False  # an empty row is skipped; the service refuses half a line
            field.widget.attrs.setdefault("aria-label", str(field.label))
