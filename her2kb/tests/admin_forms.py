"""Test helper: turn an admin page's forms back into the POST data a browser would send unchanged."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse


def form_data(form: forms.BaseForm) -> dict:
    """What the browser submits for `form` as rendered: unchecked boxes and empty values left out."""
    data: dict = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
            continue
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[bound.html_name] = [str(getattr(item, "pk", item)) for item in value]
        else:
            data[bound.html_name] = str(getattr(value, "pk", value))
        if bound.field.show_hidden_initial:  # fields with a callable default also render their initial value
            data[bound.html_initial_name] = data[bound.html_name]
    return data


def change_form_data(response: HttpResponse) -> dict:
    """The main form and every inline formset of an admin add/change (or revert) page."""
    context = response.context
    data = form_data(context["adminform"].form)
    for inline in context.get("inline_admin_formsets") or []:
        formset = inline.formset
        data.update(form_data(formset.management_form))
        for inline_form in formset.forms:
            data.update(form_data(inline_form))
    return data
