from __future__ import annotations

import pytest
from django.core.management import call_command

from django_shell.accounts.models import User

SUB = "3f1c0a52-0000-4000-8000-000000000001"


@pytest.mark.django_db
class TestUserManager:
    def test_createsuperuser_makes_staff_by_sub_without_a_local_password(self):
        call_command("createsuperuser", interactive=False, sub=SUB, username="ada", verbosity=0)

        user = User.objects.get(sub=SUB)
        assert (user.username, user.is_staff, user.is_superuser, user.is_active) == ("ada", True, True, True)
        assert not user.has_usable_password()

    def test_refuses_a_local_password(self):
        with pytest.raises(ValueError, match="no local password"):
            User.objects.create_superuser(SUB, "ada", password="Correct-h0rse")
        assert not User.objects.exists()
