#include "service/servicelogging.h"

Q_LOGGING_CATEGORY(lcService, "baton.service", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHttp, "baton.service.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApi, "baton.service.api", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAuth, "baton.service.auth", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "baton.service.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcEvents, "baton.service.events", QtInfoMsg)
Q_LOGGING_CATEGORY(lcJobs, "baton.service.jobs", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRunner, "baton.service.runner", QtInfoMsg)
Q_LOGGING_CATEGORY(lcServiceConsul, "baton.service.consul", QtInfoMsg)
