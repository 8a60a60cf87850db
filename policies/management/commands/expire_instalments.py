from myproject.lifecycle import ExpireCommand


class Command(ExpireCommand):
    help = (
        "Record `due` for instalments within a few days of their due date, telling the "
        "partner (instalment.due)."
    )
    model = "policies.Instalment"
