// baton-service: the Baton job service. See docs/service.md.

#include "service/serviceapp.h"
#include "service/serviceconfig.h"
#include "service/servicelog.h"
#include "service/unixsignals.h"

#include <cstdio>

#include <QCoreApplication>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("baton-service"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATON_VERSION_STRING));

    Baton::ServiceConfig config;
    QString text;
    auto outcome = Baton::ServiceConfig::parse(QCoreApplication::arguments(), &config, &text);
    if (!outcome) {
        std::fprintf(stderr, "baton-service: %s\n", qPrintable(outcome.error().message));
        return outcome.error().kind == Baton::Error::Kind::InvalidInput ? 2 : 1;
    }
    if (*outcome != Baton::ServiceConfig::Outcome::Run) {
        std::fprintf(stdout, "%s\n", qPrintable(text.trimmed()));
        return 0;
    }
    Baton::ServiceLog::install(config.logFormat, config.logLevel);

    Baton::UnixSignals signals;
    Baton::ServiceApp service(config);
    int exitCode = 0;
    QObject::connect(&service, &Baton::ServiceApp::stopped, &app, [&](int code) {
        exitCode = code;
        app.exit(code);
    });
    QObject::connect(&signals, &Baton::UnixSignals::terminate, &service, [&service](int) { service.shutdown(); });
    if (auto r = service.start(); !r) {
        std::fprintf(stderr, "baton-service: %s\n", qPrintable(r.error().message));
        return 1;
    }
    const int rc = app.exec();
    return rc != 0 ? rc : exitCode;
}
