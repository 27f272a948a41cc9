"""`manage.py seed_demo`: the demo's login and a few todos (idempotent)."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from todos.models import Todo

DEMO_TODOS = ("Read the fastn-py guide", "Put fastn in front of Django", "Ship it")


class Command(BaseCommand):
    help = "Create the demo user (admin, a superuser) and a few todos if there are none."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--password",
            default=os.environ.get("DJANGO_DEMO_PASSWORD", "admin"),
            help="default: $DJANGO_DEMO_PASSWORD or 'admin'",
        )

    def handle(self, *args, username: str, password: str, **options) -> None:
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_superuser(username, "", password)
            self.stdout.write(f"created superuser {username}")
        if not Todo.objects.exists():
            for title in DEMO_TODOS:
                Todo.objects.create(title=title, owner=user)
            self.stdout.write(f"created {len(DEMO_TODOS)} todos")
