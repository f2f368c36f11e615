#pragma once

#include <QTableView>

namespace Baton {

class JobListModel;

// The job list view: a QTableView with fixed row heights (so a million rows cost what the visible ones cost),
// sorting through the model, row selection and the job delegate.
class JobTableView : public QTableView
{
    Q_OBJECT

public:
    explicit JobTableView(QWidget *parent = nullptr);

    void setJobModel(JobListModel *model);
    JobListModel *jobModel() const { return m_model; }
    qint64 currentJobId() const;
    void selectJob(qint64 id);

Q_SIGNALS:
    void currentJobChanged(qint64 id);
    void jobActivated(qint64 id);
    void contextMenuForJob(qint64 id, const QPoint &globalPos);

protected:
    void changeEvent(QEvent *event) override;

private:
    void updateRowHeight();

    JobListModel *m_model = nullptr;
    qint64 m_current = 0;
};

} // namespace Baton
