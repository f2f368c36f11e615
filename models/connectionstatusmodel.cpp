#include "models/connectionstatusmodel.h"

#include "core/base/timestamps.h"
#include "models/formatting.h"

#include <algorithm>

namespace Baton {

ConnectionStatusModel::ConnectionStatusModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock(&Timestamps::nowMs)
{ }

void ConnectionStatusModel::setClock(std::function<qint64()> clock)
{
    m_clock = clock ? std::move(clock) : std::function<qint64()>(&Timestamps::nowMs);
}

int ConnectionStatusModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : kLinkCount;
}

int ConnectionStatusModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ConnectionStatusModel::linkName(Link link)
{
    switch (link) {
    case Link::JobService:
        return QStringLiteral("Job service");
    case Link::EventStream:
        return QStringLiteral("Event stream");
    case Link::Consul:
        return QStringLiteral("Consul");
    }
    return {};
}

QString ConnectionStatusModel::stateName(State state)
{
    switch (state) {
    case State::Off:
        return QStringLiteral("not configured");
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Up:
        return QStringLiteral("connected");
    case State::Degraded:
        return QStringLiteral("degraded");
    case State::Down:
        return QStringLiteral("down");
    case State::Unauthorized:
        return QStringLiteral("token rejected");
    }
    return {};
}

QVariant ConnectionStatusModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= kLinkCount)
        return {};
    const auto link = Link(index.row());
    const Status &s = m_links[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case LinkColumn:
            return linkName(link);
        case StateColumn:
            return s.detail.isEmpty() ? stateName(s.state)
                                      : QStringLiteral("%1 (%2)").arg(stateName(s.state), s.detail);
        case AddressColumn:
            return s.address;
        case LatencyColumn:
            if (s.latencyMs < 0)
                return QString();
            return s.medianLatencyMs >= 0 && s.medianLatencyMs != s.latencyMs
                ? QStringLiteral("%1 ms (median %2 ms)").arg(s.latencyMs).arg(s.medianLatencyMs)
                : QStringLiteral("%1 ms").arg(s.latencyMs);
        case ErrorColumn:
            return s.lastError.message;
        case SinceColumn:
            return Format::ago(s.sinceMs, m_clock());
        case ColumnCount:
            break;
        }
        return {};
    case Qt::ToolTipRole:
        if (!s.lastError.message.isEmpty())
            return QStringLiteral("%1\nlast error %2: %3")
                .arg(linkName(link), Format::ago(s.lastErrorAtMs, m_clock()), s.lastError.message);
        return linkName(link);
    case LinkStateRole:
        return QVariant::fromValue(s.state);
    case LatencyRole:
        return s.latencyMs;
    case LastErrorRole:
        return s.lastError.message;
    default:
        return {};
    }
}

QVariant ConnectionStatusModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case LinkColumn:
        return QStringLiteral("Connection");
    case StateColumn:
        return QStringLiteral("State");
    case AddressColumn:
        return QStringLiteral("Address");
    case LatencyColumn:
        return QStringLiteral("Latency");
    case ErrorColumn:
        return QStringLiteral("Last error");
    case SinceColumn:
        return QStringLiteral("Since");
    case ColumnCount:
        break;
    }
    return {};
}

void ConnectionStatusModel::changed(Link link)
{
    const int row = int(link);
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ConnectionStatusModel::moveTo(Link link, State state)
{
    Status &s = m_links[std::size_t(link)];
    if (s.state == state)
        return;
    s.state = state;
    s.sinceMs = m_clock();
    Q_EMIT stateChanged(link, state);
}

void ConnectionStatusModel::setAddress(Link link, const QString &address)
{
    Status &s = m_links[std::size_t(link)];
    s.address = address;
    if (address.isEmpty())
        moveTo(link, State::Off);
    changed(link);
}

void ConnectionStatusModel::setState(Link link, State state, const QString &detail)
{
    m_links[std::size_t(link)].detail = detail;
    moveTo(link, state);
    changed(link);
}

void ConnectionStatusModel::setDetail(Link link, const QString &detail)
{
    Status &s = m_links[std::size_t(link)];
    if (s.detail == detail)
        return;
    s.detail = detail;
    changed(link);
}

void ConnectionStatusModel::recordSuccess(Link link, qint64 latencyMs)
{
    Status &s = m_links[std::size_t(link)];
    QList<qint64> &window = m_latencies[std::size_t(link)];
    if (latencyMs >= 0) {
        s.latencyMs = latencyMs;
        window.append(latencyMs);
        if (window.size() > 20)
            window.removeFirst();
        QList<qint64> sorted = window;
        std::sort(sorted.begin(), sorted.end());
        s.medianLatencyMs = sorted[sorted.size() / 2];
    }
    s.failuresInARow = 0;
    s.detail.clear();
    moveTo(link, State::Up);
    changed(link);
}

void ConnectionStatusModel::recordFailure(Link link, const Error &error, bool degradedOnly)
{
    Status &s = m_links[std::size_t(link)];
    s.lastError = error;
    s.lastErrorAtMs = m_clock();
    ++s.failuresInARow;
    State next = State::Down;
    if (error.kind == Error::Kind::Unauthorized || error.kind == Error::Kind::Forbidden)
        next = State::Unauthorized;
    else if (degradedOnly && s.state == State::Up)
        next = State::Degraded;
    else if (degradedOnly)
        next = s.state == State::Off ? State::Down : s.state;
    moveTo(link, next);
    changed(link);
}

void ConnectionStatusModel::reset()
{
    for (int i = 0; i < kLinkCount; ++i) {
        m_links[std::size_t(i)] = Status {};
        m_latencies[std::size_t(i)].clear();
    }
    Q_EMIT dataChanged(index(0, 0), index(kLinkCount - 1, ColumnCount - 1));
    for (int i = 0; i < kLinkCount; ++i)
        Q_EMIT stateChanged(Link(i), State::Off);
}

} // namespace Baton
