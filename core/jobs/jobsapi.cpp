#include "core/jobs/jobsapi.h"

#include "core/base/boundedjson.h"
#include "core/base/jsonfields.h"
#include "core/domain/jobcodec.h"

namespace Baton {

using nlohmann::json;
using namespace JsonFields;

namespace {
// Lists of jobs may be large (a page of 500 jobs with counts is well under a megabyte; a job with every node run
// of a big fleet is a few); 64 MiB keeps a hostile answer from exhausting memory while never refusing a real one.
constexpr JsonLimits kApiLimits { 64u * 1024u * 1024u, 64 };
} // namespace

QUrlQuery JobQuery::toUrlQuery() const
{
    QUrlQuery q;
    if (!states.isEmpty()) {
        QStringList wire;
        for (JobState s : states)
            wire << toWire(s);
        q.addQueryItem(QStringLiteral("state"), wire.join(u','));
    }
    if (!playbook.isEmpty())
        q.addQueryItem(QStringLiteral("playbook"), playbook);
    if (!service.isEmpty())
        q.addQueryItem(QStringLiteral("service"), service);
    if (!text.isEmpty())
        q.addQueryItem(QStringLiteral("q"), text);
    if (!cursor.isEmpty())
        q.addQueryItem(QStringLiteral("cursor"), cursor);
    if (limit > 0)
        q.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    return q;
}

namespace JobsApi {

Result<QList<PlaybookInfo>> decodePlaybooks(const QByteArray &body)
{
    BATON_TRY(j, parseJsonBounded(body, kApiLimits));
    const json *list = &j;
    if (j.is_object()) {
        const auto it = j.find("playbooks");
        if (it == j.end())
            return fail(Error::Kind::Decode, QStringLiteral("playbooks: field \"playbooks\" is missing"));
        list = &*it;
    }
    if (!list->is_array())
        return fail(Error::Kind::Decode, QStringLiteral("playbooks must be an array"));
    QList<PlaybookInfo> out;
    out.reserve(qsizetype(list->size()));
    for (const json &p : *list) {
        if (p.is_string()) {
            out.append({ toQString(p.get<std::string>()), {} });
            continue;
        }
        BATON_TRY(name, requireString(p, "name"));
        BATON_TRY(description, optionalString(p, "description"));
        out.append({ name, description.value_or(QString()) });
    }
    return out;
}

Result<JobPage> decodeJobPage(const QByteArray &body)
{
    BATON_TRY(j, parseJsonBounded(body, kApiLimits));
    const json *list = &j;
    JobPage page;
    if (j.is_object()) {
        const auto it = j.find("jobs");
        if (it == j.end())
            return fail(Error::Kind::Decode, QStringLiteral("job list: field \"jobs\" is missing"));
        list = &*it;
        BATON_TRY(cursor, optionalString(j, "next_cursor"));
        page.nextCursor = cursor.value_or(QString());
        BATON_TRY(seq, optionalUInt(j, "seq"));
        page.seq = seq.value_or(0);
    }
    if (!list->is_array())
        return fail(Error::Kind::Decode, QStringLiteral("job list: \"jobs\" must be an array"));
    page.jobs.reserve(qsizetype(list->size()));
    for (const json &item : *list) {
        auto job = JobCodec::jobFromJson(item);
        if (!job)
            return fail(Error::Kind::Decode, QStringLiteral("job list: %1").arg(job.error().message));
        page.jobs.append(std::move(*job));
    }
    return page;
}

Result<Job> decodeJob(const QByteArray &body)
{
    BATON_TRY(j, parseJsonBounded(body, kApiLimits));
    // Some answers wrap the job ({"job": {…}}); accept both.
    if (j.is_object() && j.contains("job") && j["job"].is_object())
        return JobCodec::jobFromJson(j["job"]);
    return JobCodec::jobFromJson(j);
}

Result<ServiceHealth> decodeHealth(const QByteArray &body)
{
    ServiceHealth h;
    if (body.trimmed().isEmpty())
        return h;
    BATON_TRY(j, parseJsonBounded(body, JsonLimits::requestDefault()));
    if (!j.is_object())
        return fail(Error::Kind::Decode, QStringLiteral("health must be a JSON object"));
    BATON_TRY(status, optionalString(j, "status"));
    h.status = status.value_or(QString());
    BATON_TRY(version, optionalString(j, "version"));
    h.version = version.value_or(QString());
    return h;
}

Result<LogChunk> decodeLog(const QByteArray &body, const QByteArray &contentType, qint64 requestedOffset)
{
    LogChunk c;
    if (!contentType.startsWith("application/json")) {
        c.offset = requestedOffset;
        c.text = body;
        c.size = requestedOffset + body.size();
        return c;
    }
    BATON_TRY(j, parseJsonBounded(body, kApiLimits));
    if (!j.is_object())
        return fail(Error::Kind::Decode, QStringLiteral("log must be a JSON object"));
    BATON_TRY(offset, optionalInt(j, "offset"));
    c.offset = offset.value_or(requestedOffset);
    if (c.offset < 0)
        return fail(Error::Kind::Decode, QStringLiteral("log offset is negative"));
    BATON_TRY(text, optionalString(j, "text"));
    c.text = text.value_or(QString()).toUtf8();
    BATON_TRY(size, optionalInt(j, "size"));
    c.size = size.value_or(c.offset + c.text.size());
    BATON_TRY(complete, optionalBool(j, "complete"));
    c.complete = complete.value_or(false);
    return c;
}

json jobCancelBody(JobCancelMode mode)
{
    switch (mode) {
    case JobCancelMode::Graceful:
        return { { "mode", "graceful" } };
    case JobCancelMode::ForceKeepMaintenance:
        return { { "mode", "force" }, { "maintenance", "keep" } };
    case JobCancelMode::ForceReleaseMaintenance:
        return { { "mode", "force" }, { "maintenance", "release" } };
    }
    return json::object();
}

json nodeCancelBody(NodeCancelMode mode)
{
    switch (mode) {
    case NodeCancelMode::Drop:
        return { { "mode", "drop" } };
    case NodeCancelMode::ForceKeepMaintenance:
        return { { "mode", "force" }, { "maintenance", "keep" } };
    case NodeCancelMode::ForceReleaseMaintenance:
        return { { "mode", "force" }, { "maintenance", "release" } };
    }
    return json::object();
}

json relaunchBody(const QStringList &nodes)
{
    json list = json::array();
    for (const QString &n : nodes)
        list.push_back(toStd(n));
    return { { "nodes", list } };
}

QString errorMessage(const QByteArray &body)
{
    const QByteArray trimmed = body.trimmed();
    if (trimmed.isEmpty())
        return {};
    constexpr qsizetype kMaxChars = 300;
    if (trimmed.startsWith('{')) {
        auto j = parseJsonBounded(trimmed, JsonLimits::requestDefault());
        if (j && j->is_object()) {
            for (const char *key : { "message", "error", "detail" }) {
                const auto it = j->find(key);
                if (it == j->end())
                    continue;
                if (it->is_string())
                    return toQString(it->get<std::string>()).left(kMaxChars);
                if (it->is_object()) {
                    const auto m = it->find("message");
                    if (m != it->end() && m->is_string())
                        return toQString(m->get<std::string>()).left(kMaxChars);
                }
            }
        }
    }
    const qsizetype nl = trimmed.indexOf('\n');
    QString line = QString::fromUtf8(nl >= 0 ? trimmed.first(nl) : trimmed).trimmed();
    // Control characters from a hostile server never reach a status bar.
    for (QChar &c : line) {
        if (c.category() == QChar::Other_Control)
            c = QChar(0xfffd);
    }
    return line.left(kMaxChars);
}

QString describe(NodeCancelMode mode)
{
    switch (mode) {
    case NodeCancelMode::Drop:
        return QStringLiteral("drop the node (it has not started; nothing on it changes)");
    case NodeCancelMode::ForceKeepMaintenance:
        return QStringLiteral("kill the node's run and leave it in maintenance for inspection");
    case NodeCancelMode::ForceReleaseMaintenance:
        return QStringLiteral("kill the node's run and release its maintenance and slot");
    }
    return {};
}

QString describe(JobCancelMode mode)
{
    switch (mode) {
    case JobCancelMode::Graceful:
        return QStringLiteral("cancel the job: admit no new node, let runs in flight finish");
    case JobCancelMode::ForceKeepMaintenance:
        return QStringLiteral("cancel the job, kill every run in flight and leave those nodes in maintenance");
    case JobCancelMode::ForceReleaseMaintenance:
        return QStringLiteral("cancel the job, kill every run in flight and release those nodes' maintenance");
    }
    return {};
}

} // namespace JobsApi
} // namespace Baton
