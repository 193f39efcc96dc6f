"""models/ is a package of protocol objects only: no form tables, old imports still work."""

from __future__ import annotations

import subprocess
import sys

import pytest

import zego_helpers.models as models
from zego_helpers import form_specs


def test_importing_the_models_loads_no_form_module():
    code = (
        "import sys, zego_helpers.models as m; m.TTS.trial('MiniMax'); m.LLM.trial(); "
        "print(sorted(n for n in sys.modules if 'form' in n or 'widget' in n))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", sorted(models._MOVED_TO_FORM_SPECS))
def test_old_form_imports_warn_and_still_work(name):
    with pytest.warns(DeprecationWarning, match=f"{name} moved to zego_helpers.form_specs"):
        value = getattr(models, name)
    assert value is getattr(form_specs, name)


def test_every_public_name_is_exported():
    for name in models.__all__:
        assert getattr(models, name) is not None
    with pytest.raises(AttributeError):
        models.NoSuchThing  # noqa: B018


@pytest.mark.parametrize("vendor", list(models.TTS_VENDORS))
def test_the_untouched_tts_form_is_the_trial_voice(vendor):
    defaults = {spec.name: spec.default for spec in form_specs.TTS_VENDOR_FIELDS[vendor]}
    untouched_form = form_specs.tts_from_fields(vendor, defaults)
    assert untouched_form.to_api() == models.TTS.trial(vendor).to_api()
