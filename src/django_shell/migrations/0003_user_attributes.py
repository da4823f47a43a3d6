from typing import Any

from django.db import migrations, models


def copy_mirrored_attributes(apps: Any, schema_editor: Any) -> None:
    """Rows mirrored before the column existed start with the attributes they had columns for; the
    rest (verified flags, phone number, ...) arrives with the user's next sign-in."""
    User = apps.get_model("cognito_auth", "User")
    for user in User.objects.all().only("pk", "email", "given_name", "family_name").iterator():
        names = {"email": user.email, "given_name": user.given_name, "family_name": user.family_name}
        User.objects.filter(pk=user.pk).update(attributes={name: value for name, value in names.items() if value})


class Migration(migrations.Migration):
    dependencies = [
        ("cognito_auth", "0002_user_profile_image_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="attributes",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(copy_mirrored_attributes, migrations.RunPython.noop),
    ]
