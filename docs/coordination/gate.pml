/*
 * Baton gate: a model of the enter/leave protocol (ansible/plugins/module_utils/gate_protocol.py), checked with
 * spin by ansible/tests/model/test_model.py. docs/coordination.md explains what each part stands for and what
 * the model leaves to a written argument.
 *
 * One step of the model is one Consul request, which Consul applies atomically:
 *   - a consistent KV listing of the service folder: the .lock version, the live holders, max_offline;
 *   - a consistent health read: which instances have a critical check (maintenance counts);
 *   - the CAS on .lock, the maintenance on/off calls, a session's creation or destruction.
 * Everything between two requests may interleave with every other runner, fault and operator.
 *
 * Compile-time switches (spin -DNAME=value):
 *   N            nodes of the service (default 3)
 *   LIMIT        max_offline (default 1)
 *   ROUNDS       changes each runner makes in a row (default 1)
 *   KILLS        up to KILL_MAX runners may be SIGKILLed at any point; an operator may later run
 *                state=released on the node
 *   NODE_DEATH   up to DEATH_MAX nodes holding a slot may die (serfHealth critical for good)
 *   BREAKS       a change may leave its node unhealthy (it must keep its slot)
 *   SPONTANEOUS  nodes may fail by themselves (critical check) and recover: SPONT_MAX changes in all
 *   RAISE        an operator may raise max_offline by one while runners run
 *   SERF_SESSIONS the sessions are tied to serfHealth, so gossip may invalidate one while its node lives
 *                (the design the gate does NOT use; the model shows why)
 */

#ifndef N
#define N 3
#endif
#ifndef LIMIT
#define LIMIT 1
#endif
#ifndef ROUNDS
#define ROUNDS 1
#endif
#ifndef KILLS
#define KILLS 1
#endif
#ifndef NODE_DEATH
#define NODE_DEATH 1
#endif
#ifndef KILL_MAX
#define KILL_MAX 2
#endif
#ifndef DEATH_MAX
#define DEATH_MAX 1
#endif
#ifndef BREAKS
#define BREAKS 1
#endif
#ifndef SPONTANEOUS
#define SPONTANEOUS 0
#endif
#ifndef SPONT_MAX
#define SPONT_MAX 2
#endif
#ifndef RAISE
#define RAISE 0
#endif
#ifndef SERF_SESSIONS
#define SERF_SESSIONS 0
#endif

/* The CAS on .lock compares ModifyIndex with the one read. Only "has .lock changed since my read" matters, so
 * the model keeps that bit per runner instead of a counter that would grow without bound. */
bool stale[N];
bool listed[N];      /* the session of node j is in .lock's Holders */
bool session[N];     /* node j's gate session is alive, so its contender key exists */
bool maint[N];       /* node j's maintenance check */
bool broken[N];      /* a critical check the gate is answerable for: the change broke it, or it died in a slot */
bool sfail[N];       /* a critical check the gate is not answerable for: a spontaneous failure */
byte limit = LIMIT;
byte spont = 0;
byte kills = 0;      /* runners SIGKILLed so far */
byte deaths = 0;     /* nodes dead so far */

#define live(j)    (listed[j] && session[j])
#define offline(j) (maint[j] || broken[j] || sfail[j])
#define mine(j)    (live(j) || maint[j])   /* the gate's own footprint */

#if N == 2
#define SUM(f) (f(0) + f(1))
#elif N == 3
#define SUM(f) (f(0) + f(1) + f(2))
#elif N == 4
#define SUM(f) (f(0) + f(1) + f(2) + f(3))
#else
#error "N must be 2, 3 or 4"
#endif

/* P1 (ground truth, what the safety test samples): offline instances never exceed max_offline. It holds when
 * every failure is one the gate already counts (runner kills, node deaths in a slot, broken changes). */
ltl offline_within_budget { [] (SUM(offline) <= limit) }
/* P2: the gate's own footprint (slot holders and nodes in maintenance) never exceeds max_offline, whatever
 * fails by itself around it. */
ltl footprint_within_budget { [] (SUM(mine) <= limit) }

/* One consistent KV listing: whether .lock changed since, the live holders (pruned like api/semaphore.go: a
 * holder counts while its contender key is locked), max_offline. */
inline read_kv(H, L, held) {
    d_step {
        stale[me] = false; H = 0; L = limit; j = 0;
        do
        :: j < N -> if :: live(j) -> H = H | (1 << j) :: else -> skip fi; j++
        :: else -> break
        od;
        held = live(me);
        j = 0
    }
}

/* One consistent health read: instances with any critical check. The runner counts |holders ∪ offline|
 * without itself in the same step (local arithmetic); only the count is kept. */
inline read_health(H, c) {
    d_step {
        c = 0; j = 0;
        do
        :: j < N ->
            if
            :: j != me && (((H >> j) & 1) || offline(j)) -> c++
            :: else -> skip
            fi;
            j++
        :: else -> break
        od;
        j = 0;
        H = 0
    }
}

inline lock_changed() {
    j = 0;
    do
    :: j < N -> stale[j] = true; j++
    :: else -> break
    od;
    j = 0
}

inline give_back(me) {
    d_step {
        j = 0;
        do
        :: j < N -> listed[j] = (j != me && live(j)); j++
        :: else -> break
        od;
        lock_changed()
    }
    session[me] = false
}

/* Locals are cleared once used, so that states differing only in stale scratch values merge. */
inline forget() {
    d_step { H = 0; L = 0; c = 0; j = 0; held = false }
}

/* A possible crash right after a step that changed Consul: the runner is SIGKILLed (up to KILL_MAX in all), or
 * its node dies while it holds a slot (up to DEATH_MAX). Crashing between two reads is the same as crashing
 * after the last write, so these are all the places that matter. */
inline crash_point() {
    if
    :: KILLS && kills < KILL_MAX ->
        d_step { kills++; H = 0; L = 0; c = 0; j = 0; held = false; ok = false; round = 0 };
        goto killed
    :: NODE_DEATH && deaths < DEATH_MAX && live(me) ->
        d_step {
            deaths++; H = 0; L = 0; c = 0; j = 0; held = false; ok = false; round = 0;
            broken[me] = true;
            if
            :: SERF_SESSIONS -> session[me] = false /* serfHealth critical invalidates the session */
            :: else -> skip
            fi
        };
        goto killed
    :: true -> skip
    fi
}

proctype Runner(byte me) {
    byte H, L, c, j, round = 0;
    bool ok, held;
enter:
    /* Read, and wait (a blocking query, then read again) while the budget is full. */
    read_kv(H, L, held);
    read_health(H, c);
    if
    :: c + 1 > L -> forget(); goto enter
    :: else -> skip
    fi;
    /* Create the session (no TTL, no checks), lock the contender key, CAS .lock on the version read with the
     * holders read plus me. The first two are invisible to everyone else until the CAS lands, so they share its
     * step. */
    d_step {
        session[me] = true;
        if
        :: !stale[me] ->
            /* The holders read, plus me. .lock is unchanged since the read, so "read" is "live now" except for
             * sessions that died meanwhile, which the next reader prunes anyway. */
            j = 0;
            do
            :: j < N -> listed[j] = live(j); j++
            :: else -> break
            od;
            listed[me] = true;
            lock_changed();
            ok = true
        :: else -> ok = false
        fi;
        H = 0; L = 0; c = 0; j = 0
    }
    if
    :: !ok -> goto enter
    :: else -> ok = false
    fi;
    crash_point();
    /* After the CAS: read again; back off if the slot is gone or the budget no longer holds. */
    read_kv(H, L, held);
    read_health(H, c);
    if
    :: !held || c + 1 > L -> forget(); give_back(me); goto enter
    :: else -> forget()
    fi;
    maint[me] = true;
    crash_point();
    /* After maintenance shows: read again; leave at once if the budget no longer holds. */
    read_kv(H, L, held);
    read_health(H, c);
    if
    :: !held || c + 1 > L ->
        forget();
        maint[me] = false;
        crash_point();
        give_back(me);
        goto enter
    :: else -> forget()
    fi;
    /* The change; it may break the node. */
    if
    :: BREAKS -> broken[me] = true
    :: true -> skip
    fi;
    crash_point();
    /* Leave: maintenance off, wait for health (bounded), give the slot back only when healthy. */
    maint[me] = false;
    crash_point();
    if
    :: broken[me] -> goto done /* the task fails, the slot stays: the rollout halts */
    :: else -> give_back(me)
    fi;
    round++;
    if
    :: round < ROUNDS -> goto enter
    :: else -> goto done
    fi;
killed:
    /* Later an operator may run state=released on the node: maintenance off, then the slot. */
    if
    :: true ->
        maint[me] = false;
        give_back(me)
    :: true -> skip
    fi;
done:
    skip
}

/* Failures outside the gate's control: a node fails by itself (and may recover), gossip invalidates a session
 * of a live node, an operator raises max_offline. */
active proctype Chaos() {
    byte k, events = 0;
    do
    :: SPONTANEOUS && events < SPONT_MAX ->
        atomic {
            select(k : 0 .. N - 1);
            sfail[k] = !sfail[k];
            events++;
            k = 0
        }
    :: RAISE && limit == LIMIT -> limit++
    :: SERF_SESSIONS && events < SPONT_MAX ->
        atomic {
            select(k : 0 .. N - 1);
            session[k] = false;
            events++;
            k = 0
        }
    :: else -> break
    od
}

init {
    byte i;
    atomic {
        i = 0;
        do
        :: i < N -> run Runner(i); i++
        :: else -> break
        od
    }
}
