using System.Collections.Concurrent;

namespace Striper.Actors.Runtime;

/// <summary>
/// Two lock-free queues (user and system messages) plus one "scheduled" flag. The flag is what makes an
/// actor single-threaded: only the caller that flips it 0→1 queues a run, and a run clears it only when
/// it ends, so two runs of one actor never overlap and each handler returns before the next one starts.
/// The mailbox is its own thread-pool work item, so scheduling allocates nothing.
/// </summary>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    private readonly ConcurrentQueue<Envelope> _user = new();
    private readonly ConcurrentQueue<SystemMessage> _system = new();
    private readonly ActorCell _cell;
    private readonly int _throughput;
    private int _scheduled;
    private volatile bool _closed;

    public Mailbox(ActorCell cell, int throughput)
    {
        _cell = cell;
        _throughput = throughput;
    }

    /// <summary>Runs so far; a test hook that shows a flooded actor yielding its thread.</summary>
    internal long RunCount { get; private set; }

    internal bool HasSystemMessages => !_system.IsEmpty;

    public void Post(object message, IActorRef? sender)
    {
        if (_closed)
        {
            _cell.ToDeadLetters(message, sender ?? ActorRefs.Nobody);
            return;
        }

        _user.Enqueue(new Envelope(message, sender ?? ActorRefs.Nobody));
        Schedule();
    }

    public void PostSystem(SystemMessage message)
    {
        _system.Enqueue(message);
        Schedule();
    }

    /// <summary>
    /// From now on user messages are dead letters. A Post racing with this still enqueues, but it also
    /// schedules a run, and runs of a closed mailbox drain the user queue to dead letters.
    /// </summary>
    public void Close() => _closed = true;

    void IThreadPoolWorkItem.Execute()
    {
        RunCount++;
        try
        {
            ProcessSystemMessages();
            var budget = _throughput;
            while (budget > 0 && _cell.CanProcessUserMessages && _user.TryDequeue(out var envelope))
            {
                budget--;
                _cell.Invoke(envelope);
                // A Stop or a failure report must overtake the rest of the backlog, not wait behind it.
                if (!_system.IsEmpty)
                {
                    ProcessSystemMessages();
                }
            }

            if (_closed)
            {
                while (_user.TryDequeue(out var envelope))
                {
                    _cell.ToDeadLetters(envelope.Message, envelope.Sender);
                }
            }
        }
        catch (Exception ex)
        {
            // The cell guards user code itself; reaching this is a runtime bug, which must not kill the process.
            _cell.OnRuntimeError(ex);
        }
        finally
        {
            // Exchange is a full fence: a Post that enqueued before this line either saw the flag still set
            // (and relies on the check below) or sees it cleared and schedules the run itself.
            Interlocked.Exchange(ref _scheduled, 0);
            if (!_system.IsEmpty || (!_user.IsEmpty && (_closed || _cell.CanProcessUserMessages)))
            {
                Schedule();
            }
        }
    }

    private void ProcessSystemMessages()
    {
        while (_system.TryDequeue(out var message))
        {
            _cell.SystemInvoke(message);
        }
    }

    private void Schedule()
    {
        if (Volatile.Read(ref _scheduled) == 0 && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            // preferLocal: false puts a yielding actor at the back of the global queue, behind the actors
            // it made wait, which is what makes the throughput budget fair.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }
}
