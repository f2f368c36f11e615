#pragma once

#include <QObject>

class QSocketNotifier;

namespace Baton {

// SIGTERM, SIGINT and SIGHUP delivered on the event loop through a self-pipe: the signal handler only writes
// one byte, everything else happens in a slot.
class UnixSignals : public QObject
{
    Q_OBJECT
public:
    explicit UnixSignals(QObject *parent = nullptr);
    ~UnixSignals() override;

Q_SIGNALS:
    void terminate(int signal);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace Baton
