from myproject.lifecycle import ExpireCommand


class Command(ExpireCommand):
    help = "Record `expired` in the history of open quotes past their validity."
    model = "quotes.Quote"
