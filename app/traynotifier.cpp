#include "app/traynotifier.h"

#include <QIcon>
#include <QSystemTrayIcon>

namespace Baton {

TrayNotifier::TrayNotifier(QObject *parent)
    : QObject(parent)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(QIcon(QStringLiteral(":/baton/icons/baton.svg")), this);
    m_tray->setToolTip(QStringLiteral("Baton Console"));
    connect(m_tray, &QSystemTrayIcon::activated, this, &TrayNotifier::activated);
    connect(m_tray, &QSystemTrayIcon::messageClicked, this, &TrayNotifier::activated);
    m_tray->show();
}

bool TrayNotifier::notify(const QString &title, const QString &text, bool problem)
{
    if (!m_enabled || !m_tray || !QSystemTrayIcon::supportsMessages())
        return false;
    m_tray->showMessage(title, text, problem ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, 15000);
    return true;
}

QString TrayNotifier::titleFor(qint64 jobId, JobState state)
{
    switch (state) {
    case JobState::Succeeded:
        return QStringLiteral("Job %1 finished").arg(jobId);
    case JobState::PartiallyFailed:
        return QStringLiteral("Job %1 finished with failures").arg(jobId);
    case JobState::Failed:
        return QStringLiteral("Job %1 failed").arg(jobId);
    case JobState::Cancelled:
        return QStringLiteral("Job %1 cancelled").arg(jobId);
    default:
        return QStringLiteral("Job %1: %2").arg(jobId).arg(displayName(state));
    }
}

} // namespace Baton
