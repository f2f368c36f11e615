#pragma once

#include "core/domain/jobstate.h"

#include <QObject>

class QSystemTrayIcon;

namespace Baton {

// Desktop notifications for jobs launched from this console: finished, failed, halted, stuck. Uses the system tray
// where there is one; elsewhere notify() returns false and the caller shows the text itself.
class TrayNotifier : public QObject
{
    Q_OBJECT

public:
    explicit TrayNotifier(QObject *parent = nullptr);

    bool available() const { return m_tray != nullptr; }
    bool notify(const QString &title, const QString &text, bool problem);
    void setEnabled(bool enabled) { m_enabled = enabled; }
    bool isEnabled() const { return m_enabled; }

    static QString titleFor(qint64 jobId, JobState state);

Q_SIGNALS:
    void activated();

private:
    QSystemTrayIcon *m_tray = nullptr;
    bool m_enabled = true;
};

} // namespace Baton
