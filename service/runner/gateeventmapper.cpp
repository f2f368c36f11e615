#include "service/runner/gateeventmapper.h"

#include "core/base/jsonfields.h"

namespace Baton {

using nlohmann::json;

namespace {
QString str(const json &j, const char *key)
{
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        return QString();
    return JsonFields::toQString(it->get<std::string>());
}

QString oneLine(QString s, int max = 500)
{
    s.replace(u'\n', u' ');
    s.replace(u'\r', u' ');
    s = s.simplified();
    if (s.size() > max)
        s = s.left(max - 1) + QChar(0x2026);
    return s;
}
} // namespace

GateEventMapper::GateEventMapper(QString node)
    : m_node(std::move(node))
{ }

bool GateEventMapper::isGateAction(const QString &action)
{
    return action == u"baton.gate.gate" || action == u"gate";
}

WaitInfo GateEventMapper::waitFromGate(const json &gate)
{
    WaitInfo w;
    if (const auto h = gate.find("holders"); h != gate.end() && h->is_array()) {
        for (const json &n : *h) {
            if (n.is_string())
                w.holders.append(JsonFields::toQString(n.get<std::string>()));
        }
    }
    if (const auto o = gate.find("offline"); o != gate.end() && o->is_array()) {
        for (const json &p : *o) {
            if (p.is_object())
                w.offline.append({ str(p, "node"), str(p, "reason") });
            else if (p.is_string())
                w.offline.append({ JsonFields::toQString(p.get<std::string>()), QString() });
        }
    }
    if (const auto l = gate.find("limit"); l != gate.end() && l->is_number_integer())
        w.limit = int(std::clamp<std::int64_t>(l->get<std::int64_t>(), -1, 1000000));
    w.maxOffline = str(gate, "max_offline");
    return w;
}

RunnerUpdate GateEventMapper::apply(const json &line, NodeRunState current)
{
    RunnerUpdate u;
    if (!line.is_object())
        return u;
    const QString event = str(line, "event");
    const QString host = str(line, "host");
    if (!host.isEmpty() && host != m_node)
        return u; // another host's line (never expected with --limit)
    const QString task = str(line, "task");
    const QString action = str(line, "action");
    const bool gateTask = isGateAction(action) || line.contains("gate");

    if (event == u"task_start") {
        if (!task.isEmpty())
            u.task = oneLine(task, 200);
        if (!isGateAction(action))
            return u;
        // A gate task's arguments are not on the line; its place in the run tells which it is: the first gate
        // task enters, the one after entering leaves. A `gate_state` field, when a callback adds one, wins.
        const QString declared = str(line, "gate_state");
        const bool leaving
            = declared == u"left" || (declared.isEmpty() && m_entered && current == NodeRunState::InMaintenance);
        const bool entering = declared == u"entered" || (declared.isEmpty() && !m_entered);
        if (leaving) {
            u.state = NodeRunState::Verifying;
            u.reason = QStringLiteral("leaving maintenance, waiting for the node's checks to pass");
        } else if (entering && (current == NodeRunState::Starting || current == NodeRunState::WaitingForSlot)) {
            u.state = NodeRunState::WaitingForSlot;
            u.reason = QStringLiteral("waiting for a slot");
        }
        return u;
    }

    const auto gateIt = line.find("gate");
    const json *gate = (gateIt != line.end() && gateIt->is_object()) ? &*gateIt : nullptr;

    if (event == u"runner_retry") {
        if (gate && str(*gate, "state") == u"waiting") {
            u.state = NodeRunState::WaitingForSlot;
            u.wait = waitFromGate(*gate);
            QString reason = oneLine(str(*gate, "reason"));
            if (reason.isEmpty())
                reason = u.wait->describe();
            u.reason = reason;
        }
        return u;
    }
    if (event == u"runner_ok" || event == u"runner_changed") {
        if (!gate)
            return u;
        const QString state = str(*gate, "state");
        if (state == u"entered") {
            m_entered = true;
            u.state = NodeRunState::InMaintenance;
            u.wait = WaitInfo();
            QString reason = oneLine(str(*gate, "reason"));
            u.reason = reason.isEmpty() ? QStringLiteral("in maintenance") : reason;
        } else if (state == u"left") {
            m_left = true;
            if (current != NodeRunState::Verifying) {
                u.state = NodeRunState::Verifying;
                u.reason = QStringLiteral("back in service");
            }
        } else if (state == u"waiting") {
            u.state = NodeRunState::WaitingForSlot;
            u.wait = waitFromGate(*gate);
            u.reason = oneLine(str(*gate, "reason"));
        }
        return u;
    }
    if (event == u"runner_failed") {
        const auto ignored = line.find("ignored");
        if (ignored != line.end() && ignored->is_boolean() && ignored->get<bool>())
            return u;
        const QString msg = oneLine(str(line, "msg"));
        m_lastFailure = task.isEmpty() ? msg : QStringLiteral("%1: %2").arg(oneLine(task, 200), msg);
        u.failing = true;
        (void)gateTask;
        return u;
    }
    if (event == u"runner_unreachable") {
        m_unreachable = true;
        const QString msg = oneLine(str(line, "msg"));
        m_lastFailure = QStringLiteral("unreachable: %1").arg(msg);
        u.failing = true;
        return u;
    }
    if (event == u"stats") {
        const auto hosts = line.find("hosts");
        if (hosts != line.end() && hosts->is_object()) {
            const auto me = hosts->find(JsonFields::toStd(m_node));
            if (me != hosts->end() && me->is_object()) {
                const auto unreachable = me->find("unreachable");
                if (unreachable != me->end() && unreachable->is_number() && unreachable->get<double>() > 0)
                    m_unreachable = true;
            }
        }
    }
    return u;
}

NodeRunState GateEventMapper::finalState(int exitCode, bool normalExit) const
{
    if (normalExit && exitCode == 0)
        return NodeRunState::Succeeded;
    if (m_unreachable || (normalExit && exitCode == 4))
        return NodeRunState::Unreachable;
    return NodeRunState::Failed;
}

QString GateEventMapper::finalReason(int exitCode, bool normalExit) const
{
    if (normalExit && exitCode == 0)
        return QString();
    if (!m_lastFailure.isEmpty())
        return m_lastFailure;
    if (!normalExit)
        return QStringLiteral("ansible-playbook was killed");
    return QStringLiteral("ansible-playbook exited with code %1").arg(exitCode);
}

} // namespace Baton
