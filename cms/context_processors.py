"""``settings`` in templates, as Wagtail's context processor gives it, read from the process's
memo (cms.public_site) instead of the database on every render."""

from wagtail.contrib.settings.context_processors import SettingModuleProxy, SettingProxy
from wagtail.contrib.settings.registry import registry
from wagtail.models import Site

from .public_site import setting_for_request


class _SettingModuleProxy(SettingModuleProxy):
    def get_setting(self, model_name):
        model = registry.get_by_natural_key(self.app_label, model_name)
        if model is None or self.request_or_site is None or isinstance(self.request_or_site, Site):
            return super().get_setting(model_name)
        return setting_for_request(model, self.request_or_site)


class _SettingProxy(SettingProxy):
    def __missing__(self, app_label):
        self[app_label] = value = _SettingModuleProxy(self.request_or_site, app_label)
        return value


def settings(request):
    return {"settings": _SettingProxy(request_or_site=request)}
