"""How the public forms render their fields: with Jinja2, through Django's own widget templates.

The donation form has some forty fields (three goods lines among them). Through the Django
template language its widgets, and the wrapper around each (label, help, errors), cost about as
much as the rest of the page together; Django ships the same widget templates for Jinja2, which
renders them several times faster. The wrapper is cms/jinja2/cms/field.html, the same markup the
page used before (decision 0033). Pages and emails stay Django templates; only these forms'
fields go through Jinja2.
"""

from django.forms.renderers import Jinja2


class PublicFormRenderer(Jinja2):
    """``{{ form.name.as_field_group }}`` renders cms/field.html with this field."""

    field_template_name = "cms/field.html"


# One instance: its Jinja2 environment, and the templates it has compiled, live as long as it does.
PUBLIC_FORM_RENDERER = PublicFormRenderer()
