"""`manage.py clear_login_lockout`: lift an admin sign-in lock-out (an account's, an address's, or both)."""

from django.core.management.base import BaseCommand, CommandError

from her2kb.login_limits import clear_login_failures


class Command(BaseCommand):
    help = (
        "Lift the admin sign-in lock-out of an account (--user) and/or an address (--address) at once, for a "
        "curator locked out by someone else's guessing. Run it only for someone whose identity you have checked."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", help="The username whose failed sign-ins to forget.")
        parser.add_argument("--address", help="The client address whose failed sign-ins to forget.")

    def handle(self, *args, user: str | None, address: str | None, **options):
        if user is None and address is None:
            raise CommandError("Name the account (--user) or the address (--address) to clear, or both.")
        cleared = clear_login_failures(username=user, address=address)
        self.stdout.write(self.style.SUCCESS(f"Sign-in lock-out lifted for {' and '.join(cleared)}."))
