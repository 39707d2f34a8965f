"""Curators view, add and change the new regulatory records (products, companion diagnostics, labels and their
warnings, events, designations, outcome sources); Editors may also delete them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

NEW_MODELS = {
    "drugs": ["product", "companiondiagnostic", "label", "labelwarning", "regulatoryevent", "approvaldesignation"],
    "trials": ["outcomesource"],
}
GRANTS = {"Curators": ("view", "add", "change"), "Editors": ("view", "add", "change", "delete")}


def grant(apps, schema_editor):
    for app_label in NEW_MODELS:
        app_config = apps.get_app_config(app_label)
        # Migration app configs are stubs without models_module, which create_permissions requires.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, actions in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for app_label, model_names in NEW_MODELS.items():
            codenames = [f"{action}_{model}" for action in actions for model in model_names]
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GRANTS):
        for app_label, model_names in NEW_MODELS.items():
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=model_names)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("drugs", "0013_regulatory_knowledge"),
        ("trials", "0011_outcome_sources_units_and_cutoff"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
