"""A signature drawn on screen: a canvas the guardian or the child signs with a finger, a stylus
or the mouse. Our own script (care/static/care/js/signature-pad.js, no inline script, so a
content security policy can forbid them) puts the drawing into a hidden input as a PNG data:
URL; the server checks it like any uploaded PNG (care.evidence_files)."""

from django import forms


class SignaturePad(forms.Widget):
    template_name = "care/widgets/signature_pad.html"

    class Media:
        js = ["care/js/signature-pad.js"]
        css = {"all": ["care/css/signature-pad.css"]}

    def format_value(self, value):
        return None  # a signature is drawn again after a refusal, never sent back to the page
