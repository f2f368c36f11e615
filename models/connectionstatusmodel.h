#pragma once

#include "core/base/error.h"

#include <array>
#include <functional>

#include <QAbstractTableModel>

namespace Baton {

// The state of the console's connections, one row each: the job service's REST API, its event stream and Consul.
// Fed by the clients' outcomes; shown in the status bar and the connections dialog. Each connection is judged on
// its own so one being down never hides that the other works.
class ConnectionStatusModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum class Link
    {
        JobService,
        EventStream,
        Consul
    };
    Q_ENUM(Link)
    static constexpr int kLinkCount = 3;

    enum class State
    {
        Off, // not configured in this profile
        Connecting,
        Up,
        Degraded, // answering, but slowly or with errors (e.g. a decode error, a resync)
        Down, // unreachable, timing out, or refusing
        Unauthorized, // reachable but the token was rejected (401/403)
    };
    Q_ENUM(State)

    enum Column
    {
        LinkColumn,
        StateColumn,
        AddressColumn,
        LatencyColumn,
        ErrorColumn,
        SinceColumn,
        ColumnCount
    };
    enum Role
    {
        LinkStateRole = Qt::UserRole + 1,
        LatencyRole,
        LastErrorRole
    };

    struct Status
    {
        State state = State::Off;
        QString address;
        QString detail; // "retrying in 4 s", "resyncing", …
        qint64 latencyMs = -1; // the latest successful round trip
        qint64 medianLatencyMs = -1; // of the last 20
        Error lastError;
        qint64 lastErrorAtMs = 0;
        qint64 sinceMs = 0; // when the state last changed
        int failuresInARow = 0;
    };

    explicit ConnectionStatusModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setAddress(Link link, const QString &address); // empty: Off
    void setState(Link link, State state, const QString &detail = {});
    void setDetail(Link link, const QString &detail);
    void recordSuccess(Link link, qint64 latencyMs);
    // A failure: Unauthorized for 401/403, Down otherwise (Degraded if degradedOnly, e.g. one bad answer from a
    // service that otherwise works).
    void recordFailure(Link link, const Error &error, bool degradedOnly = false);
    void reset(); // all Off, errors cleared (a new profile)

    const Status &status(Link link) const { return m_links[std::size_t(link)]; }
    static QString linkName(Link link);
    static QString stateName(State state);
    void setClock(std::function<qint64()> clock);

Q_SIGNALS:
    void stateChanged(Baton::ConnectionStatusModel::Link link, Baton::ConnectionStatusModel::State state);

private:
    void changed(Link link);
    void moveTo(Link link, State state);

    std::array<Status, kLinkCount> m_links;
    std::array<QList<qint64>, kLinkCount> m_latencies;
    std::function<qint64()> m_clock;
};

} // namespace Baton
