"""Episode tables (placeholder until the episode step)."""


def build(shared, out, log):
    log("episodes: not yet derived")
