from myproject.lifecycle import ExpireCommand


class Command(ExpireCommand):
    help = (
        "Record `cancelled` for policies whose scheduled cancellation has taken effect and "
        "`expired` for policies past their end date."
    )
    model = "policies.Policy"
