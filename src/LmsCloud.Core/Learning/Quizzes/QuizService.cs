using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LmsCloud.Core.Learning.Quizzes;

public sealed record QuizInput(int? TimeLimitMinutes, string? Keep, bool ShuffleQuestions, bool ShuffleAnswers, IReadOnlyList<QuizQuestion>? Questions);

/// <summary>The quiz as its teachers edit it (answer keys included).</summary>
public sealed record QuizView(Guid AssignmentId, int? TimeLimitMinutes, string Keep, bool ShuffleQuestions, bool ShuffleAnswers,
    IReadOnlyList<QuizQuestion> Questions, decimal PointsPossible, int Version);

/// <summary>A question as a student sees it: no key. <c>Choices</c> in the attempt's order; true/false has none.</summary>
public sealed record StudentQuestion(Guid Id, QuestionKind Kind, string Prompt, decimal Points, IReadOnlyList<StudentChoice> Choices);

public sealed record StudentChoice(Guid Id, string Text);

/// <summary>What anyone who can see the assignment may know of its quiz before starting: no questions, no key.</summary>
public sealed record QuizSummary(Guid AssignmentId, int? TimeLimitMinutes, string Keep, int QuestionCount, decimal PointsPossible);

/// <summary>
/// One attempt. <c>Scores</c> only once finished; <c>Key</c> (the questions with their answers) only for the course's
/// teachers. <c>SecondsLeft</c> is the server's count while the attempt is open (null: untimed).
/// </summary>
public sealed record QuizAttemptView(
    Guid Id, Guid AssignmentId, Guid StudentId, int AttemptNo, string State, DateTimeOffset StartedAt, DateTimeOffset? DeadlineAt,
    DateTimeOffset? FinishedAt, bool Overdue, long? SecondsLeft, IReadOnlyList<StudentQuestion> Questions, IReadOnlyList<QuizAnswer> Answers,
    IReadOnlyList<QuestionScore>? Scores, decimal? Score, decimal PointsPossible, IReadOnlyList<QuizQuestion>? Key);

/// <summary>
/// Quizzes (docs/quizzes.md): the teacher saves questions on an assignment; a student starts an attempt (the questions
/// snapshotted, shuffled when the quiz says so, with a server deadline), saves answers, submits; the server scores what
/// it can and finishes an attempt left open past its deadline. A finished attempt becomes a submission attempt of kind
/// 'quiz', and the submission's score is the kept attempt; each change of that score is a grade change (channel
/// autograder, or web for a teacher's hand grading) and recomputes the student's course score, in one transaction.
/// </summary>
public sealed class QuizService(LmsDbContext db, ShellAccess access, GradeInputs inputs, ScoreKeeper scores, GradeChangeLog changes, AuditLog audit,
    GradingPeriods periods, TimeProvider clock)
{
    /// <summary>Answers arriving this long after the deadline still count: the network, not the student, was late.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    const int MaxQuestions = 500;
    static readonly string[] KeepNames = ["highest", "latest", "average", "first"];
    static JsonSerializerOptions Json => GradeDescriptionJson.WriteOptions;

    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    // ---- teachers ------------------------------------------------------------------------------------------------------

    public async Task<QuizView> GetAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        var shell = await ShellOfAsync(viewer, assignmentId, ct);
        if (!await access.Editable(viewer).AnyAsync(s => s.Id == shell, ct))
            throw ShellRefusal.Forbidden("Only the course's teachers see a quiz's answer key; students see it when they start an attempt.");
        return await ViewAsync(assignmentId, ct) ?? throw ShellRefusal.NotFound("Quiz");
    }

    /// <summary>Saves the quiz (a new version); the assignment's points become the questions' total and scores follow.</summary>
    public async Task<QuizView> SaveAsync(ShellViewer viewer, Guid assignmentId, QuizInput input, CancellationToken ct)
    {
        var keep = input.Keep ?? "highest";
        if (!KeepNames.Contains(keep)) throw ShellRefusal.Invalid("keep", "Keep is one of highest, latest, average or first.");
        if (input.TimeLimitMinutes is < 1 or > 1440) throw ShellRefusal.Invalid("timeLimitMinutes", "A time limit is 1 to 1,440 minutes (or none).");
        // A kind without choices may leave them out of the JSON.
        var questions = (input.Questions ?? []).Select(q => q with { Choices = q.Choices ?? [] }).ToList();
        if (questions.Count > MaxQuestions) throw ShellRefusal.Invalid("questions", $"A quiz holds at most {MaxQuestions} questions.");
        if (questions.Select(q => q.Id).Distinct().Count() != questions.Count || questions.Any(q => q.Id == Guid.Empty))
            throw ShellRefusal.Invalid("questions", "Every question needs its own id.");
        for (var i = 0; i < questions.Count; i++)
            if (QuizScoring.Problem(questions[i]) is { } p) throw ShellRefusal.Invalid($"questions[{i}].{p.Field}", $"Question {i + 1}: {p.Message}");
        // Keys that do not apply to a kind are dropped, so the stored definition says only what is used.
        questions = questions.Select(Clean).ToList();

        var shell = await ShellOfAsync(viewer, assignmentId, ct);
        await using var tx = await BeginEditAsync(viewer, shell, ct);
        var before = await ViewAsync(assignmentId, ct);
        var json = JsonSerializer.Serialize(questions, Json);
        var limit = input.TimeLimitMinutes * 60;
        var total = questions.Sum(q => q.Points);
        await db.Database.ExecuteSqlAsync($"""
            insert into quizzes (tenant_id, assignment_id, shell_id, time_limit_s, keep, shuffle_questions, shuffle_answers, questions)
            values ({Tenant}, {assignmentId}, {shell}, {limit}, {keep}, {input.ShuffleQuestions}, {input.ShuffleAnswers}, {json}::jsonb)
            on conflict (tenant_id, assignment_id) do update set time_limit_s = excluded.time_limit_s, keep = excluded.keep,
              shuffle_questions = excluded.shuffle_questions, shuffle_answers = excluded.shuffle_answers, questions = excluded.questions,
              version = quizzes.version + 1, updated_at = now()
            """, ct);
        await db.Database.ExecuteSqlAsync($"""
            update assignments set points_possible = {total}, updated_at = now() where id = {assignmentId} and points_possible <> {total}
            """, ct);
        var after = (await ViewAsync(assignmentId, ct))!;
        // A new keep rule can change every student's kept attempt.
        if (before != null && before.Keep != keep)
            foreach (var student in await db.Database.SqlQuery<Guid>($"""
                         select distinct student_id as "Value" from quiz_attempts where assignment_id = {assignmentId}
                         """).ToListAsync(ct))
                await RefreshSubmissionAsync(shell, assignmentId, student, GradeChannel.Web, viewer.PersonId, "quiz keep rule changed", ct);
        await scores.RecomputeAsync(shell, null, ct);
        await audit.WriteAsync(new AuditEntry(before == null ? "quiz.created" : "quiz.updated", "assignment", assignmentId.ToString(),
            Before: before, After: after, Actor: viewer.PersonId is { } p1 ? AuditActor.User(p1) : null), ct);
        await tx.CommitAsync(ct);
        return after;
    }

    /// <summary>A teacher scores one question of a finished attempt by hand (an essay, or a regrade), with an optional reason.</summary>
    public async Task<QuizAttemptView> GradeQuestionAsync(ShellViewer viewer, Guid attemptId, Guid questionId, decimal points, string? reason,
        CancellationToken ct)
    {
        var attempt = await AttemptRowAsync(attemptId, ct) ?? throw ShellRefusal.NotFound("Attempt");
        await using var tx = await BeginEditAsync(viewer, attempt.ShellId, ct);
        attempt = (await AttemptRowAsync(attemptId, ct, forUpdate: true))!;
        if (attempt.State == "in_progress") throw ShellRefusal.Conflict("The attempt is still open: it can be graded once it is submitted.");
        var questions = Questions(attempt.Questions);
        var question = questions.FirstOrDefault(q => q.Id == questionId) ?? throw ShellRefusal.NotFound("Question");
        if (points < 0 || points > question.Points)
            throw ShellRefusal.Invalid("points", $"Points for this question are 0 to {QuizScoring.Describe(question.Points)}.");
        await periods.EnsureOpenAsync(attempt.ShellId, attempt.AssignmentId, attempt.StudentId, ct);
        var list = JsonSerializer.Deserialize<List<QuestionScore>>(attempt.QuestionScores ?? "[]", Json)!;
        list = list.Select(s => s.QuestionId == questionId ? s with { Points = points, Correct = points == question.Points, Manual = true } : s).ToList();
        var (state, score) = Total(list);
        var json = JsonSerializer.Serialize(list, Json);
        await db.Database.ExecuteSqlAsync($"""
            update quiz_attempts set question_scores = {json}::jsonb, score = {score}, state = {state} where id = {attemptId}
            """, ct);
        await db.Database.ExecuteSqlAsync($"""
            update submission_attempts a set score = {score}
            from submissions s
            where s.tenant_id = a.tenant_id and s.id = a.submission_id and s.assignment_id = {attempt.AssignmentId}
              and s.student_id = {attempt.StudentId} and a.attempt_no = {attempt.AttemptNo}
            """, ct);
        await RefreshSubmissionAsync(attempt.ShellId, attempt.AssignmentId, attempt.StudentId, GradeChannel.Web, viewer.PersonId, reason, ct);
        await scores.RecomputeAsync(attempt.ShellId, [attempt.StudentId], ct);
        await tx.CommitAsync(ct);
        return await AttemptViewAsync(attemptId, key: true, ct);
    }

    // ---- students ------------------------------------------------------------------------------------------------------

    /// <summary>Starts an attempt, or returns the one already open (two clicks give one attempt).</summary>
    public async Task<QuizAttemptView> StartAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        var me = viewer.PersonId ?? throw ShellRefusal.Forbidden("Only a signed-in student can take a quiz.");
        var shell = await ShellOfAsync(viewer, assignmentId, ct);
        if ((await inputs.StudentsAsync(shell, [me], ct)).Count == 0)
            throw ShellRefusal.Forbidden("Only the course's students take its quizzes; teachers can preview the questions.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LockAsync(assignmentId, me, ct);
        await FinishOverdueAsync(assignmentId, me, ct);
        var open = await db.Database.SqlQuery<Guid>($"""
            select id as "Value" from quiz_attempts where assignment_id = {assignmentId} and student_id = {me} and state = 'in_progress'
            """).ToListAsync(ct);
        if (open.Count == 1)
        {
            await tx.CommitAsync(ct);
            return await AttemptViewAsync(open[0], key: false, ct);
        }

        var rules = await db.Database.SqlQuery<StartRules>($"""
            select a.published as "Published", a.allowed_attempts as "AllowedAttempts", coalesce(d.unlock_at, a.unlock_at) as "UnlockAt",
                   case when d.assignment_id is null then a.lock_at else d.lock_at end as "LockAt",
                   q.time_limit_s as "TimeLimitSeconds", q.version as "Version", q.shuffle_questions as "ShuffleQuestions",
                   q.shuffle_answers as "ShuffleAnswers", q.questions::text as "Questions",
                   (select count(*)::int from quiz_attempts x where x.assignment_id = a.id and x.student_id = {me}) as "Taken"
            from assignments a
            join quizzes q on q.tenant_id = a.tenant_id and q.assignment_id = a.id
            left join effective_due_dates d on d.tenant_id = a.tenant_id and d.assignment_id = a.id and d.student_id = {me}
            where a.id = {assignmentId}
            """).SingleOrDefaultAsync(ct);
        var now = clock.GetUtcNow();
        if (rules is not { Published: true }) throw ShellRefusal.NotFound("Quiz");
        if (rules.UnlockAt > now) throw ShellRefusal.Conflict($"This quiz opens at {rules.UnlockAt:u}.");
        if (rules.LockAt <= now) throw ShellRefusal.Conflict("This quiz is closed.");
        if (rules.AllowedAttempts is { } allowed && rules.Taken >= allowed)
            throw ShellRefusal.Conflict($"All {allowed} allowed attempts are used.");
        var questions = Questions(rules.Questions);
        if (questions.Count == 0) throw ShellRefusal.Conflict("This quiz has no questions yet.");

        var presented = (rules.ShuffleQuestions ? Shuffled(questions) : questions)
            .Select(q => rules.ShuffleAnswers && q.Kind is QuestionKind.SingleChoice or QuestionKind.MultipleChoice ? q with { Choices = Shuffled(q.Choices) } : q)
            .ToList();
        DateTimeOffset? deadline = rules.TimeLimitSeconds is { } s ? now.AddSeconds(s) : null;
        if (rules.LockAt is { } lockAt && (deadline == null || lockAt < deadline)) deadline = lockAt;
        var id = Guid.NewGuid();
        var json = JsonSerializer.Serialize(presented, Json);
        await db.Database.ExecuteSqlAsync($"""
            insert into quiz_attempts (tenant_id, id, shell_id, assignment_id, student_id, attempt_no, quiz_version, started_at, deadline_at, questions)
            values ({Tenant}, {id}, {shell}, {assignmentId}, {me}, {rules.Taken + 1}, {rules.Version}, {now}, {deadline}, {json}::jsonb)
            """, ct);
        await tx.CommitAsync(ct);
        return await AttemptViewAsync(id, key: false, ct);
    }

    /// <summary>Saves answers to an open attempt (each replaces that question's earlier answer); refused after the deadline.</summary>
    public async Task<QuizAttemptView> SaveAnswersAsync(ShellViewer viewer, Guid attemptId, IReadOnlyList<QuizAnswer>? answers, CancellationToken ct)
    {
        var attempt = await OwnAttemptAsync(viewer, attemptId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LockAsync(attempt.AssignmentId, attempt.StudentId, ct);
        attempt = (await AttemptRowAsync(attemptId, ct, forUpdate: true))!;
        if (attempt.State != "in_progress") throw ShellRefusal.Conflict("This attempt is already submitted.");
        if (PastDeadline(attempt))
        {
            await FinishAsync(attempt, overdue: true, ct);
            await tx.CommitAsync(ct);
            throw ShellRefusal.Conflict("Time is up: the attempt was submitted with the answers saved before the deadline.");
        }
        var merged = Merge(attempt, answers);
        await db.Database.ExecuteSqlAsync($"update quiz_attempts set answers = {JsonSerializer.Serialize(merged, Json)}::jsonb where id = {attemptId}", ct);
        await tx.CommitAsync(ct);
        return await AttemptViewAsync(attemptId, key: false, ct);
    }

    /// <summary>
    /// Submits: the given answers are saved first when the deadline (plus grace) has not passed; after it, only what was
    /// saved in time counts and the attempt is marked overdue. Submitting twice returns the finished attempt.
    /// </summary>
    public async Task<QuizAttemptView> SubmitAsync(ShellViewer viewer, Guid attemptId, IReadOnlyList<QuizAnswer>? answers, CancellationToken ct)
    {
        var attempt = await OwnAttemptAsync(viewer, attemptId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LockAsync(attempt.AssignmentId, attempt.StudentId, ct);
        attempt = (await AttemptRowAsync(attemptId, ct, forUpdate: true))!;
        if (attempt.State == "in_progress")
        {
            var late = PastDeadline(attempt);
            if (!late && answers is { Count: > 0 }) attempt = attempt with { Answers = JsonSerializer.Serialize(Merge(attempt, answers), Json) };
            await FinishAsync(attempt, overdue: late, ct);
        }
        await tx.CommitAsync(ct);
        return await AttemptViewAsync(attemptId, key: false, ct);
    }

    /// <summary>One attempt: its student sees it without the key; the course's teachers see it with the key.</summary>
    public async Task<QuizAttemptView> GetAttemptAsync(ShellViewer viewer, Guid attemptId, CancellationToken ct)
    {
        var attempt = await AttemptRowAsync(attemptId, ct) ?? throw ShellRefusal.NotFound("Attempt");
        var editor = await access.Editable(viewer).AnyAsync(s => s.Id == attempt.ShellId, ct);
        if (!editor && attempt.StudentId != viewer.PersonId) throw ShellRefusal.NotFound("Attempt");
        if (attempt.State == "in_progress" && PastDeadline(attempt))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LockAsync(attempt.AssignmentId, attempt.StudentId, ct);
            if ((await AttemptRowAsync(attemptId, ct, forUpdate: true))! is { State: "in_progress" } still) await FinishAsync(still, overdue: true, ct);
            await tx.CommitAsync(ct);
        }
        return await AttemptViewAsync(attemptId, key: editor, ct);
    }

    /// <summary>A student's own attempts at a quiz, or, for its teachers, everyone's (newest first).</summary>
    public async Task<IReadOnlyList<QuizAttemptView>> AttemptsAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        var shell = await ShellOfAsync(viewer, assignmentId, ct);
        var editor = await access.Editable(viewer).AnyAsync(s => s.Id == shell, ct);
        var ids = await db.Database.SqlQuery<Guid>($"""
            select id as "Value" from quiz_attempts
            where assignment_id = {assignmentId} and ({editor} or student_id = {viewer.PersonId})
            order by started_at desc, id
            """).ToListAsync(ct);
        var list = new List<QuizAttemptView>(ids.Count);
        foreach (var id in ids) list.Add(await AttemptViewAsync(id, key: editor, ct));
        return list;
    }

    /// <summary>The shell's quizzes as its readers may know them (a learner: published assignments only); for the course pages.</summary>
    public async Task<IReadOnlyList<QuizSummary>> ShellQuizzesAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        if (!await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)) throw ShellRefusal.NotFound("Course");
        var learner = await access.SeesAsLearnerAsync(viewer, shellId, ct);
        return await db.Database.SqlQuery<QuizSummary>($"""
            select q.assignment_id as "AssignmentId", q.time_limit_s / 60 as "TimeLimitMinutes", q.keep as "Keep",
                   jsonb_array_length(q.questions) as "QuestionCount", a.points_possible as "PointsPossible"
            from quizzes q join assignments a on a.tenant_id = q.tenant_id and a.id = q.assignment_id
            where q.shell_id = {shellId} and (a.published or not {learner})
            """).ToListAsync(ct);
    }

    // ---- finishing and the submission ----------------------------------------------------------------------------------

    async Task FinishOverdueAsync(Guid assignmentId, Guid student, CancellationToken ct)
    {
        var open = await db.Database.SqlQuery<Guid>($"""
            select id as "Value" from quiz_attempts where assignment_id = {assignmentId} and student_id = {student} and state = 'in_progress'
            """).ToListAsync(ct);
        foreach (var id in open)
            if (await AttemptRowAsync(id, ct, forUpdate: true) is { } a && PastDeadline(a)) await FinishAsync(a, overdue: true, ct);
    }

    /// <summary>Scores the attempt, records it as a submission attempt and refreshes the submission and the course score.</summary>
    async Task FinishAsync(AttemptRow attempt, bool overdue, CancellationToken ct)
    {
        var questions = Questions(attempt.Questions);
        var answers = JsonSerializer.Deserialize<List<QuizAnswer>>(attempt.Answers, Json)!.ToDictionary(a => a.QuestionId);
        var scored = questions.Select(q => QuizScoring.Score(q, answers.GetValueOrDefault(q.Id))).ToList();
        var (state, score) = Total(scored);
        var now = clock.GetUtcNow();
        var finishedAt = overdue && attempt.DeadlineAt is { } d && d < now ? d : now;
        await db.Database.ExecuteSqlAsync($"""
            update quiz_attempts set state = {state}, finished_at = {finishedAt}, overdue = {overdue},
              question_scores = {JsonSerializer.Serialize(scored, Json)}::jsonb, score = {score}
            where id = {attempt.Id} and state = 'in_progress'
            """, ct);
        var submission = await EnsureSubmissionAsync(attempt.ShellId, attempt.AssignmentId, attempt.StudentId, ct);
        await db.Database.ExecuteSqlAsync($"""
            insert into submission_attempts (tenant_id, id, submission_id, attempt_no, kind, body, score, submitted_at, submitted_by)
            values ({Tenant}, {Guid.NewGuid()}, {submission}, {attempt.AttemptNo}, 'quiz', {attempt.Answers}, {score}, {finishedAt}, {attempt.StudentId})
            on conflict (tenant_id, submission_id, attempt_no) do nothing
            """, ct);
        await RefreshSubmissionAsync(attempt.ShellId, attempt.AssignmentId, attempt.StudentId, GradeChannel.Autograder, null, null, ct);
        await scores.RecomputeAsync(attempt.ShellId, [attempt.StudentId], ct);
    }

    async Task<Guid> EnsureSubmissionAsync(Guid shell, Guid assignmentId, Guid student, CancellationToken ct)
    {
        await db.Database.ExecuteSqlAsync($"""
            insert into submissions (tenant_id, id, shell_id, assignment_id, student_id)
            values ({Tenant}, {Guid.NewGuid()}, {shell}, {assignmentId}, {student})
            on conflict (tenant_id, assignment_id, student_id) do nothing
            """, ct);
        return await db.Database.SqlQuery<Guid>($"""
            select id as "Value" from submissions where assignment_id = {assignmentId} and student_id = {student}
            """).SingleAsync(ct);
    }

    /// <summary>
    /// The submission follows the attempts: count, last submitted, and the score the keep rule gives over the fully
    /// scored attempts (an attempt whose essay waits counts once graded). A changed score is a grade change.
    /// </summary>
    async Task RefreshSubmissionAsync(Guid shell, Guid assignmentId, Guid student, GradeChannel channel, Guid? grader, string? reason, CancellationToken ct)
    {
        var keep = await db.Database.SqlQuery<string>($"select keep as \"Value\" from quizzes where assignment_id = {assignmentId}").SingleAsync(ct);
        var attempts = await db.Database.SqlQuery<FinishedAttempt>($"""
            select state as "State", score as "Score", finished_at as "FinishedAt" from quiz_attempts
            where assignment_id = {assignmentId} and student_id = {student} and state <> 'in_progress' order by attempt_no
            """).ToListAsync(ct);
        var graded = attempts.Where(a => a.State == "graded" && a.Score != null).Select(a => a.Score!.Value).ToList();
        // The engine's keep rule, rounded half-up as a stored score is (an average of three can run to many places).
        var rule = keep switch { "latest" => KeepAttempt.Latest, "first" => KeepAttempt.First, "average" => KeepAttempt.Average, _ => KeepAttempt.Highest };
        var kept = GradeEngine.Kept(rule, graded) is { } k ? Math.Round(k, 2, MidpointRounding.AwayFromZero) : (decimal?)null;
        var workflow = attempts.Count == 0 ? "unsubmitted" : attempts[^1].State == "graded" ? "graded" : "submitted";
        var submitted = attempts.Count == 0 ? (DateTimeOffset?)null : attempts.Max(a => a.FinishedAt);
        var before = await db.Database.SqlQuery<decimal?>($"""
            select score as "Value" from submissions where assignment_id = {assignmentId} and student_id = {student} for update
            """).SingleAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            update submissions set score = {kept}, workflow = {workflow}, submitted_at = {submitted}, attempt_count = {attempts.Count},
              graded_at = case when {kept} is distinct from score then now() else graded_at end,
              grader_id = case when {kept} is distinct from score then {grader} else grader_id end,
              row_version = row_version + 1, updated_at = now()
            where assignment_id = {assignmentId} and student_id = {student}
            """, ct);
        if (before != kept)
            await changes.WriteAsync(new GradeChange(GradeChangeKind.Score, shell, assignmentId, student, new { score = before },
                new { score = kept, keep }, grader, channel, reason), ct);
    }

    static (string State, decimal Score) Total(IReadOnlyList<QuestionScore> scored) =>
        (scored.Any(s => s.Points == null) ? "submitted" : "graded", scored.Sum(s => s.Points ?? 0));

    // ---- helpers -------------------------------------------------------------------------------------------------------

    bool PastDeadline(AttemptRow a) => a.DeadlineAt is { } d && clock.GetUtcNow() > d + Grace;

    /// <summary>Serialises start, save, submit and the server's finishing for one student's quiz.</summary>
    Task LockAsync(Guid assignmentId, Guid student, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"select pg_advisory_xact_lock(hashtextextended({assignmentId.ToString() + student}, 0))", ct);

    List<QuizAnswer> Merge(AttemptRow attempt, IReadOnlyList<QuizAnswer>? answers)
    {
        var questions = Questions(attempt.Questions).ToDictionary(q => q.Id);
        var merged = JsonSerializer.Deserialize<List<QuizAnswer>>(attempt.Answers, Json)!.ToDictionary(a => a.QuestionId);
        foreach (var a in answers ?? [])
        {
            if (!questions.TryGetValue(a.QuestionId, out var q)) throw ShellRefusal.Invalid("answers", "An answer names a question this attempt does not have.");
            if (a.ChoiceIds is { } picked && picked.Any(c => q.Choices.All(x => x.Id != c)))
                throw ShellRefusal.Invalid("answers", "An answer picks a choice the question does not have.");
            if (q.Kind == QuestionKind.SingleChoice && a.ChoiceIds is { Count: > 1 })
                throw ShellRefusal.Invalid("answers", "A single-choice question takes one choice.");
            if (a.Text is { Length: > 20_000 }) throw ShellRefusal.Invalid("answers", "An answer holds at most 20,000 characters.");
            merged[a.QuestionId] = a;
        }
        return merged.Values.ToList();
    }

    static List<T> Shuffled<T>(IReadOnlyList<T> items)
    {
        var list = items.ToList();
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = Random.Shared.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }

    static QuizQuestion Clean(QuizQuestion q) => q.Kind switch
    {
        QuestionKind.SingleChoice or QuestionKind.MultipleChoice => q with { CorrectBoolean = null, NumericAnswer = null, Tolerance = 0, AcceptedAnswers = null },
        QuestionKind.TrueFalse => q with { Choices = [], NumericAnswer = null, Tolerance = 0, AcceptedAnswers = null },
        QuestionKind.Numeric => q with { Choices = [], CorrectBoolean = null, AcceptedAnswers = null },
        QuestionKind.ShortAnswer => q with { Choices = [], CorrectBoolean = null, NumericAnswer = null, Tolerance = 0 },
        _ => q with { Choices = [], CorrectBoolean = null, NumericAnswer = null, Tolerance = 0, AcceptedAnswers = null },
    };

    static List<QuizQuestion> Questions(string json) => JsonSerializer.Deserialize<List<QuizQuestion>>(json, Json)!;

    async Task<Guid> ShellOfAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        var shell = await db.Database.SqlQuery<Guid>($"select shell_id as \"Value\" from assignments where id = {assignmentId}").SingleOrDefaultAsync(ct);
        if (shell == Guid.Empty || !await access.Readable(viewer).AnyAsync(s => s.Id == shell, ct)) throw ShellRefusal.NotFound("Quiz");
        return shell;
    }

    Task<IDbContextTransaction> BeginEditAsync(ShellViewer viewer, Guid shellId, CancellationToken ct) =>
        access.BeginEditAsync(viewer, shellId, "Only the course's teachers and administrators may change its quizzes.", ct);

    async Task<AttemptRow> OwnAttemptAsync(ShellViewer viewer, Guid attemptId, CancellationToken ct)
    {
        var attempt = await AttemptRowAsync(attemptId, ct);
        if (attempt == null || attempt.StudentId != viewer.PersonId) throw ShellRefusal.NotFound("Attempt");
        return attempt;
    }

    const string AttemptSql = """
        select id as "Id", shell_id as "ShellId", assignment_id as "AssignmentId", student_id as "StudentId", attempt_no as "AttemptNo",
               state as "State", started_at as "StartedAt", deadline_at as "DeadlineAt", finished_at as "FinishedAt", overdue as "Overdue",
               questions::text as "Questions", answers::text as "Answers", question_scores::text as "QuestionScores", score as "Score"
        from quiz_attempts where id = {0}
        """;

    Task<AttemptRow?> AttemptRowAsync(Guid id, CancellationToken ct, bool forUpdate = false) =>
        db.Database.SqlQueryRaw<AttemptRow>(forUpdate ? AttemptSql + " for update" : AttemptSql, id).SingleOrDefaultAsync(ct)!;

    async Task<QuizAttemptView> AttemptViewAsync(Guid id, bool key, CancellationToken ct)
    {
        var a = (await AttemptRowAsync(id, ct))!;
        var questions = Questions(a.Questions);
        var now = clock.GetUtcNow();
        long? left = a.State == "in_progress" && a.DeadlineAt is { } d ? Math.Max(0, (long)(d - now).TotalSeconds) : null;
        return new QuizAttemptView(a.Id, a.AssignmentId, a.StudentId, a.AttemptNo, a.State, a.StartedAt, a.DeadlineAt, a.FinishedAt, a.Overdue, left,
            questions.Select(q => new StudentQuestion(q.Id, q.Kind, q.Prompt, q.Points, q.Choices.Select(c => new StudentChoice(c.Id, c.Text)).ToList())).ToList(),
            JsonSerializer.Deserialize<List<QuizAnswer>>(a.Answers, Json)!,
            a.QuestionScores == null ? null : JsonSerializer.Deserialize<List<QuestionScore>>(a.QuestionScores, Json),
            a.Score, questions.Sum(q => q.Points), key ? questions : null);
    }

    async Task<QuizView?> ViewAsync(Guid assignmentId, CancellationToken ct)
    {
        var row = await db.Database.SqlQuery<QuizRow>($"""
            select q.time_limit_s as "TimeLimitSeconds", q.keep as "Keep", q.shuffle_questions as "ShuffleQuestions", q.shuffle_answers as "ShuffleAnswers",
                   q.questions::text as "Questions", a.points_possible as "PointsPossible", q.version as "Version"
            from quizzes q join assignments a on a.tenant_id = q.tenant_id and a.id = q.assignment_id
            where q.assignment_id = {assignmentId}
            """).SingleOrDefaultAsync(ct);
        return row == null ? null
            : new QuizView(assignmentId, row.TimeLimitSeconds / 60, row.Keep, row.ShuffleQuestions, row.ShuffleAnswers, Questions(row.Questions),
                row.PointsPossible, row.Version);
    }

    sealed record StartRules(bool Published, int? AllowedAttempts, DateTimeOffset? UnlockAt, DateTimeOffset? LockAt, int? TimeLimitSeconds, int Version,
        bool ShuffleQuestions, bool ShuffleAnswers, string Questions, int Taken);

    sealed record AttemptRow(Guid Id, Guid ShellId, Guid AssignmentId, Guid StudentId, int AttemptNo, string State, DateTimeOffset StartedAt,
        DateTimeOffset? DeadlineAt, DateTimeOffset? FinishedAt, bool Overdue, string Questions, string Answers, string? QuestionScores, decimal? Score);

    sealed record FinishedAttempt(string State, decimal? Score, DateTimeOffset? FinishedAt);

    sealed record QuizRow(int? TimeLimitSeconds, string Keep, bool ShuffleQuestions, bool ShuffleAnswers, string Questions, decimal PointsPossible, int Version);
}
