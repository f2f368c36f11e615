#include "core/jobs/jobslogging.h"

Q_LOGGING_CATEGORY(lcJobs, "baton.jobs", QtInfoMsg)
Q_LOGGING_CATEGORY(lcEvents, "baton.jobs.events", QtInfoMsg)
