#include "service/servicelog.h"

#include "core/base/timestamps.h"

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include <QLoggingCategory>

namespace Baton::ServiceLog {

namespace {
bool g_json = false;
std::mutex g_mutex;

const char *levelName(QtMsgType t)
{
    switch (t) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QByteArray ts = Timestamps::toIso(Timestamps::nowMs()).toUtf8();
    const char *category = context.category ? context.category : "default";
    QByteArray line;
    if (g_json) {
        nlohmann::json j = { { "ts", ts.toStdString() }, { "level", levelName(type) }, { "category", category },
            { "msg", message.toStdString() } };
        const std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        line = QByteArray(s.data(), qsizetype(s.size()));
    } else {
        QString m = message;
        m.replace(u'\n', QStringLiteral("\\n"));
        line = ts + ' ' + QByteArray(levelName(type)).leftJustified(7, ' ') + ' ' + category + ": " + m.toUtf8();
    }
    line += '\n';
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        std::fwrite(line.constData(), 1, std::size_t(line.size()), stderr);
        std::fflush(stderr);
    }
    if (type == QtFatalMsg)
        std::abort();
}
} // namespace

void install(const QString &format, const QString &level)
{
    g_json = format == u"json";
    qInstallMessageHandler(handler);
    if (level == u"debug")
        QLoggingCategory::setFilterRules(QStringLiteral("baton.*.debug=true"));
    else if (level == u"warning")
        QLoggingCategory::setFilterRules(QStringLiteral("baton.*.info=false"));
}

} // namespace Baton::ServiceLog
