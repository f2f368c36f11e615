#include "service/runner/ansibleinvocation.h"

#include "core/base/jsonfields.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTemporaryDir>
#include <QUuid>

namespace Baton {

using JsonFields::toStd;
using nlohmann::json;

bool AnsibleInvocation::isValidNodeName(const QString &node)
{
    // Consul node names; nothing Ansible's --limit would read as a pattern (*, !, &, :, ,) or an option (-).
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_][A-Za-z0-9._-]{0,252}$"));
    return re.match(node).hasMatch();
}

QString AnsibleInvocation::consulAddressFor(const json &nodeVars, const QString &address)
{
    const auto it = nodeVars.find("baton_consul_http_addr");
    if (it != nodeVars.end() && it->is_string() && !it->get<std::string>().empty())
        return JsonFields::toQString(it->get<std::string>());
    QString host = address;
    if (host.contains(u':') && !host.startsWith(u'['))
        host = u'[' + host + u']';
    return QStringLiteral("http://%1:8500").arg(host);
}

namespace {
Result<void> writePrivate(const QString &path, const json &content)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return fail(Error::Kind::Io, QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    const std::string s = content.dump(2, ' ', false, json::error_handler_t::replace);
    f.write(s.data(), qint64(s.size()));
    if (!f.commit())
        return fail(Error::Kind::Io, QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
    return {};
}
} // namespace

Result<RunnerCommand> AnsibleInvocation::prepare(const RunnerSettings &settings, const InvocationTarget &t)
{
    if (!isValidNodeName(t.node))
        return fail(Error::Kind::InvalidInput, QStringLiteral("\"%1\" is not a valid node name").arg(t.node.left(100)));
    const QString marker = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString dir
        = QStringLiteral("%1/job-%2-%3-%4").arg(settings.workRoot).arg(t.jobId).arg(t.node, marker.left(8));
    if (!QDir().mkpath(dir + QStringLiteral("/tmp")))
        return fail(Error::Kind::Io, QStringLiteral("cannot create the runner folder %1").arg(dir));
    QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);

    json hostVars = json::object();
    hostVars["ansible_host"] = toStd(t.address.isEmpty() ? t.node : t.address);
    for (auto it = t.nodeVars.begin(); it != t.nodeVars.end(); ++it) {
        if (it.key().rfind("ansible_", 0) == 0)
            hostVars[it.key()] = it.value();
    }
    json inventory = { { "all", { { "hosts", { { toStd(t.node), hostVars } } } } } };
    if (!t.service.isEmpty()) {
        static const QRegularExpression groupRe(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
        QString group = t.service;
        group.replace(u'-', u'_');
        if (groupRe.match(group).hasMatch() && group != u"all" && group != u"ungrouped")
            inventory["all"]["children"] = { { toStd(group), { { "hosts", { { toStd(t.node), json::object() } } } } } };
    }
    BATON_TRY_VOID(writePrivate(dir + QStringLiteral("/inventory.json"), inventory));

    json vars = json::object();
    for (auto it = t.nodeVars.begin(); it != t.nodeVars.end(); ++it)
        vars[it.key()] = it.value();
    for (auto it = t.jobVars.begin(); it != t.jobVars.end(); ++it)
        vars[it.key()] = it.value();
    vars["baton_job_id"] = t.jobId;
    vars["baton_operator"] = toStd(t.operatorName);
    vars["baton_service"] = toStd(t.service);
    vars["baton_node"] = toStd(t.node);
    vars["baton_kv_prefix"] = toStd(settings.kvPrefix);
    vars["baton_consul_http_addr"] = toStd(consulAddressFor(t.nodeVars, t.address));
    for (auto it = t.extraBaton.begin(); it != t.extraBaton.end(); ++it)
        vars[it.key()] = it.value();
    BATON_TRY_VOID(writePrivate(dir + QStringLiteral("/vars.json"), vars));

    RunnerCommand c;
    c.program = settings.ansiblePlaybook;
    c.arguments = { QStringLiteral("-i"), dir + QStringLiteral("/inventory.json"), QStringLiteral("--limit"), t.node,
        QStringLiteral("-e"), u'@' + dir + QStringLiteral("/vars.json") };
    if (t.checkMode)
        c.arguments.append(QStringLiteral("--check"));
    c.arguments.append(t.playbookPath);
    c.workingDirectory = dir;
    c.marker = marker;
    QProcessEnvironment env = settings.environment;
    auto prepend = [&env](const QString &key, const QString &value, QChar sep) {
        const QString old = env.value(key);
        env.insert(key, old.isEmpty() ? value : value + sep + old);
    };
    if (!settings.collectionsPath.isEmpty())
        prepend(QStringLiteral("ANSIBLE_COLLECTIONS_PATH"), settings.collectionsPath, u':');
    prepend(QStringLiteral("ANSIBLE_CALLBACKS_ENABLED"), QStringLiteral("baton.gate.events"), u',');
    env.insert(QStringLiteral("ANSIBLE_NOCOLOR"), QStringLiteral("1"));
    env.insert(QStringLiteral("ANSIBLE_FORCE_COLOR"), QStringLiteral("0"));
    env.insert(QStringLiteral("ANSIBLE_RETRY_FILES_ENABLED"), QStringLiteral("0"));
    env.insert(QStringLiteral("ANSIBLE_LOCAL_TEMP"), dir + QStringLiteral("/tmp"));
    env.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    env.remove(QStringLiteral("BATON_EVENTS_FILE"));
    c.environment = env;
    return c;
}

} // namespace Baton
