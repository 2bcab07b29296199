from django.core.management.base import BaseCommand

from challenges import demo


class Command(BaseCommand):
    help = "Create the 2020 challenge demo: tasks, centers, people for every role, exams."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-exams", action="store_true", help="people and challenge only")

    def handle(self, *args, **options) -> None:
        people = demo.seed_people_and_challenge()
        if not options["no_exams"]:
            demo.seed_exams(people)
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready. Accounts (password: {demo.DEMO_PASSWORD}):")
        )
        for account in demo.ACCOUNTS:
            self.stdout.write(f"  {account.username:<10} {account.role}")
