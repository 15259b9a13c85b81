"""The system check refuses noise-control settings the scheduler could not use."""

from __future__ import annotations

import copy

import pytest

from koschei_site.checks import check_koschei_config


def problems(settings, **noise):
    config = copy.deepcopy(settings.KOSCHEI)
    config["noise"].update(noise)
    settings.KOSCHEI = config
    return [p.msg for p in check_koschei_config(None) if p.id == "koschei.E005"]


def test_the_default_noise_settings_pass(settings):
    assert problems(settings) == []


@pytest.mark.parametrize("value", [-1, "600", None, True])
def test_a_noise_setting_that_is_no_count_of_zero_or_more_is_an_error(settings, value):
    assert problems(settings, infra_retry_base=value, max_builds_per_day=0) == [
        "noise.infra_retry_base must be a number, 0 or more"
    ]
