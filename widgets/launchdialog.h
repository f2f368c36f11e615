#pragma once

#include "core/base/error.h"
#include "core/domain/jobspec.h"

#include <functional>

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTreeWidget;

namespace Baton {

class ServiceBudgetModel;
struct ServiceStatus;

// What the launch dialog knows about the world; filled by the main window.
struct LaunchContext
{
    QStringList playbooks; // from GET /v1/playbooks
    const ServiceBudgetModel *services = nullptr; // Consul: instances, health and budget per service
    bool consulAvailable = true; // false: no health preview, nothing is refused on its account
    // Median duration in seconds and how many runs it rests on (playbook, service); {-1, 0} when unknown.
    std::function<std::pair<qint64, int>(const QString &, const QString &)> estimate;
    QString defaultPlaybook;
    QString defaultService;
};

// Launch a job (Ctrl+L): playbook, target (a service from the Consul catalog, optionally by tag, or explicit
// nodes), extra vars (a JSON object or key=value lines), check mode and timeouts. Before the operator confirms,
// it previews the target nodes with their live health, the service's effective max_offline, who is offline now
// and why, and an estimated duration from past runs. A frozen service (max_offline 0) is refused unless the
// operator ticks an explicit override. The dialog stays open while the launch is in flight so an error can be
// shown next to what caused it.
class LaunchDialog : public QDialog
{
    Q_OBJECT

public:
    explicit LaunchDialog(LaunchContext context, QWidget *parent = nullptr);

    // Everything that stops the launch now, one line each; empty when it may go.
    QStringList problems() const;
    JobSpec spec() const;
    // Stable for the life of the dialog: a retried launch (timeout, lost answer) never starts a second job.
    QString idempotencyKey() const { return m_idempotencyKey; }

    // Called by the owner after launchRequested.
    void launchFailed(const Error &error);
    void setBusy(bool busy);

    // Re-reads services and health (Consul changed while the dialog is open).
    void refreshPreview();

Q_SIGNALS:
    void launchRequested(const Baton::JobSpec &spec, const QString &idempotencyKey);

private:
    void revalidate();
    void fillTags();
    QStringList targetNodes() const;
    QStringList explicitNodes() const;
    const ServiceStatus *selectedService() const;
    QList<const ServiceStatus *> servicesOfTarget() const;

    LaunchContext m_context;
    QString m_idempotencyKey;
    QComboBox *m_playbook;
    QRadioButton *m_byService;
    QRadioButton *m_byNodes;
    QComboBox *m_service;
    QComboBox *m_tag;
    QLineEdit *m_nodes;
    QPlainTextEdit *m_extraVars;
    QLabel *m_extraVarsStatus;
    QCheckBox *m_checkMode;
    QCheckBox *m_haltOnFailure;
    QSpinBox *m_timeoutMin;
    QSpinBox *m_nodeTimeoutMin;
    QTreeWidget *m_preview;
    QLabel *m_budget;
    QLabel *m_offline;
    QLabel *m_estimate;
    QCheckBox *m_overrideFreeze;
    QLabel *m_problems;
    QDialogButtonBox *m_buttons;
    QPushButton *m_launch;
    bool m_busy = false;
    QString m_lastError; // the service's answer to the last attempt, shown until the next one
};

} // namespace Baton
