"""Exports of lists kept in the archive: the kinds of list (declared by the apps that show
them) and the job that writes a large one (services_exports), wired at start-up."""


def ready():
    """Called by ReportsConfig.ready(): load the lists' export kinds, give core.exports the
    job starter, and let the sweeper fail export jobs whose worker is gone."""
    import indicators.exporters  # noqa: F401  (registers its export kinds)
    import oversight.exporters  # noqa: F401
    from core import exports, jobs

    from . import services_exports, tasks_exports  # noqa: F401  (the task, for every worker)

    exports.register_job_starter(services_exports.export_start)
    jobs.register(
        "reports.export",
        working=services_exports.export_runs_working,
        fail=services_exports.export_fail,
        time_limit=services_exports.EXPORT_TIME_LIMIT,
    )
