#pragma once

#include <QWidget>

class QPlainTextEdit;
class QCheckBox;
class QLabel;

namespace Baton {

class NodeLogBuffer;

// Shows one node run's output from a NodeLogBuffer and follows it live: new text is appended without rebuilding
// the document, and the view sticks to the bottom while "Follow" is on (scrolling up turns it off, like `less +F`).
class NodeLogView : public QWidget
{
    Q_OBJECT

public:
    explicit NodeLogView(QWidget *parent = nullptr);

    void setBuffer(NodeLogBuffer *buffer);
    void setStatus(const QString &text); // "loading…", an error, "complete"
    bool isFollowing() const;
    QString plainText() const;

private:
    void reload();
    void append(const QString &text);

    NodeLogBuffer *m_buffer = nullptr;
    QPlainTextEdit *m_text;
    QCheckBox *m_follow;
    QLabel *m_status;
};

} // namespace Baton
