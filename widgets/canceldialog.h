#pragma once

#include "core/domain/noderunstate.h"
#include "core/jobs/jobsapi.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace Baton {

// Confirms one of the three cancel levels and says exactly what it will do before the operator commits:
// - the whole job: gracefully (no new node is admitted, runs in flight finish) or by force (runs in flight are
//   killed; their nodes either stay in maintenance for inspection or are released);
// - drop one node that has not started (nothing on it changes);
// - force-kill one node's run, keeping it in maintenance or releasing it.
// On a production profile the operator types the job id or node name to confirm.
class CancelDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Level
    {
        Job,
        DropNode,
        ForceKillNode
    };

    struct Target
    {
        Level level = Level::Job;
        qint64 jobId = 0;
        QString node;
        QString service;
        QString jobSummary; // "rolling.yml on web · 3 ok / 2 running / 5 waiting"
        int runsInFlight = 0; // nodes in starting / in_maintenance / verifying
        bool production = false;
        QString profileName;
        bool stuck = false;
    };

    explicit CancelDialog(const Target &target, QWidget *parent = nullptr);

    JobCancelMode jobMode() const;
    NodeCancelMode nodeMode() const;
    // The effect of the chosen option, as shown.
    QString effectText() const;
    bool canConfirm() const;
    // What the operator must type on a production profile; empty otherwise.
    QString confirmationWord() const;

private:
    void update();

    Target m_target;
    QLabel *m_effect;
    QRadioButton *m_graceful = nullptr;
    QRadioButton *m_forceKeep = nullptr;
    QRadioButton *m_forceRelease = nullptr;
    QLineEdit *m_confirm = nullptr;
    QPushButton *m_ok;
};

} // namespace Baton
