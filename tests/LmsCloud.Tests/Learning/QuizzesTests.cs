using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using static LmsCloud.Tests.Learning.ShellTestDistrict;

namespace LmsCloud.Tests.Learning;

/// <summary>
/// Quizzes over the API: every question kind scored, the key hidden from students, hand grading of an essay, attempts
/// limit and keep rules feeding the submission, the server's deadline, one attempt for parallel starts, shuffling, and
/// role and district boundaries.
/// </summary>
public sealed class QuizzesTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static readonly Guid Q1 = Guid.NewGuid(), Q2 = Guid.NewGuid(), Q3 = Guid.NewGuid(), Q4 = Guid.NewGuid(), Q5 = Guid.NewGuid(), Q6 = Guid.NewGuid();
    static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid(), M1 = Guid.NewGuid(), M2 = Guid.NewGuid(), M3 = Guid.NewGuid();

    sealed record Course(ShellTestDistrict District, HttpClient Teacher, HttpClient Student, Guid StudentId, Guid Shell, Guid Assignment);

    /// <summary>Algebra I P1, published, one group, one published assignment (taught by nw-t-001, taken by nw-s-001).</summary>
    async Task<Course> CourseAsync(int? allowedAttempts = null)
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        await PostAsync(teacher, $"/api/shells/{shell}/status", new { status = "published" });
        var group = (await PostAsync(teacher, $"/api/shells/{shell}/assignment-groups", new { name = "Quizzes", weight = 100 })).GetProperty("id").GetGuid();
        var assignment = (await PostAsync(teacher, $"/api/shells/{shell}/assignments",
            new { groupId = group, title = "Quiz 1", pointsPossible = 1, allowedAttempts })).GetProperty("id").GetGuid();
        await PostAsync(teacher, $"/api/assignments/{assignment}/publish", new { published = true });
        return new Course(d, teacher, await d.AsAsync("nw-s-001", Roles.Student), await d.IdAsync("users", "nw-s-001"), shell, assignment);
    }

    /// <summary>One question of each kind: 2 + 3 + 1 + 2 + 1 + 5 = 14 points.</summary>
    static object AllKinds(string keep = "highest", int? minutes = null, bool shuffle = false) => new
    {
        timeLimitMinutes = minutes, keep, shuffleQuestions = shuffle, shuffleAnswers = shuffle,
        questions = new object[]
        {
            new { id = Q1, kind = "singleChoice", prompt = "2 + 2?", points = 2, choices = new[] { new { id = A, text = "4", correct = true }, new { id = B, text = "5", correct = false } } },
            new { id = Q2, kind = "multipleChoice", prompt = "Primes?", points = 3, choices = new[]
                { new { id = M1, text = "2", correct = true }, new { id = M2, text = "3", correct = true }, new { id = M3, text = "4", correct = false } } },
            new { id = Q3, kind = "trueFalse", prompt = "0 is even.", points = 1, correctBoolean = true },
            new { id = Q4, kind = "numeric", prompt = "Pi to two places?", points = 2, numericAnswer = 3.14, tolerance = 0.01 },
            new { id = Q5, kind = "shortAnswer", prompt = "Capital of France?", points = 1, acceptedAnswers = new[] { "Paris" } },
            new { id = Q6, kind = "essay", prompt = "Explain slope.", points = 5 },
        },
    };

    static async Task<JsonElement> PutAsync(HttpClient client, string path, object body)
    {
        var response = await client.PutAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    static decimal? Score(JsonElement attempt) => attempt.GetProperty("score").ValueKind == JsonValueKind.Null ? null : attempt.GetProperty("score").GetDecimal();

    /// <summary>The submission's score, -1 when it has none.</summary>
    Task<decimal> SubmissionScoreAsync(Course c) =>
        c.District.ScalarAsync<decimal>("select coalesce(score, -1) from submissions where assignment_id = $1 and student_id = $2", c.Assignment, c.StudentId);

    [Fact]
    public async Task Every_kind_is_scored_the_key_stays_hidden_and_the_essay_is_graded_by_hand()
    {
        var c = await CourseAsync();
        var quiz = await PutAsync(c.Teacher, $"/api/assignments/{c.Assignment}/quiz", AllKinds());
        Assert.Equal(14m, quiz.GetProperty("pointsPossible").GetDecimal()); // the assignment's points follow the questions

        var started = await PostAsync(c.Student, $"/api/assignments/{c.Assignment}/quiz/attempts", new { });
        var raw = started.GetRawText();
        Assert.DoesNotContain("correct", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Paris", raw);
        Assert.DoesNotContain("3.14", raw);
        Assert.Equal(JsonValueKind.Null, started.GetProperty("key").ValueKind);
        var attempt = started.GetProperty("id").GetGuid();

        // Right: single, true/false, numeric within tolerance, short answer (case and spaces ignored); multiple: (2 right - 1 wrong) / 2 correct = half of 3.
        var submitted = await PostAsync(c.Student, $"/api/quiz-attempts/{attempt}/submit", new
        {
            answers = new object[]
            {
                new { questionId = Q1, choiceIds = new[] { A } }, new { questionId = Q2, choiceIds = new[] { M1, M2, M3 } },
                new { questionId = Q3, boolean = true }, new { questionId = Q4, number = 3.149 }, new { questionId = Q5, text = "  paris " },
                new { questionId = Q6, text = "Rise over run." },
            },
        });
        Assert.Equal("submitted", submitted.GetProperty("state").GetString()); // the essay waits for the teacher
        var scores = submitted.GetProperty("scores").EnumerateArray().ToDictionary(s => s.GetProperty("questionId").GetGuid());
        Assert.Equal(2m, scores[Q1].GetProperty("points").GetDecimal());
        Assert.Equal(1.5m, scores[Q2].GetProperty("points").GetDecimal());
        Assert.Equal(1m, scores[Q3].GetProperty("points").GetDecimal());
        Assert.Equal(2m, scores[Q4].GetProperty("points").GetDecimal());
        Assert.Equal(1m, scores[Q5].GetProperty("points").GetDecimal());
        Assert.Equal(JsonValueKind.Null, scores[Q6].GetProperty("points").ValueKind);
        Assert.Equal(7.5m, Score(submitted));
        Assert.Equal(-1m, await SubmissionScoreAsync(c)); // not graded until the essay is: the kept score waits
        Assert.Equal("submitted", await c.District.ScalarAsync<string>(
            "select workflow from submissions where assignment_id = $1 and student_id = $2", c.Assignment, c.StudentId));

        // A student cannot grade; the teacher can, within the question's points.
        Assert.Equal(HttpStatusCode.Forbidden, (await c.Student.PutAsJsonAsync($"/api/quiz-attempts/{attempt}/questions/{Q6}/score", new { points = 5 })).StatusCode);
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync($"/api/quiz-attempts/{attempt}/questions/{Q6}/score", new { points = 6 }),
            "points", "more than the question is worth");
        var graded = await PutAsync(c.Teacher, $"/api/quiz-attempts/{attempt}/questions/{Q6}/score", new { points = 4, reason = "good" });
        Assert.Equal("graded", graded.GetProperty("state").GetString());
        Assert.Equal(11.5m, Score(graded));
        Assert.Equal(11.5m, await SubmissionScoreAsync(c));
        Assert.NotEqual(JsonValueKind.Null, graded.GetProperty("key").ValueKind); // the teacher sees the key

        // The course score follows (one assignment: 11.5 / 14 = 82.14 %), and the change is in the grade history and the audit log.
        Assert.Equal(82.14m, await c.District.ScalarAsync<decimal>(
            "select unposted_current_score from student_scores where shell_id = $1 and student_id = $2", c.Shell, c.StudentId));
        Assert.Equal("web", await c.District.ScalarAsync<string>(
            "select channel from grade_changes where assignment_id = $1 and student_id = $2 and kind = 'score' order by changed_at desc limit 1",
            c.Assignment, c.StudentId));
        Assert.Equal(1L, await c.District.ScalarAsync<long>(
            "select count(*) from audit_events where action = 'grade.score' and entity_id = $1", c.Assignment.ToString()));
        // The quiz attempt is also the submission's attempt history.
        Assert.Equal("quiz", await c.District.ScalarAsync<string>(
            "select a.kind from submission_attempts a join submissions s on s.tenant_id = a.tenant_id and s.id = a.submission_id where s.assignment_id = $1",
            c.Assignment));
    }

    [Fact]
    public async Task The_attempts_limit_holds_and_the_keep_rule_picks_the_submission_score()
    {
        var c = await CourseAsync(allowedAttempts: 2);
        var noEssay = new { keep = "highest", questions = new object[]
        {
            new { id = Q1, kind = "singleChoice", prompt = "2 + 2?", points = 2, choices = new[] { new { id = A, text = "4", correct = true }, new { id = B, text = "5", correct = false } } },
            new { id = Q3, kind = "trueFalse", prompt = "0 is even.", points = 1, correctBoolean = true },
        } };
        await PutAsync(c.Teacher, $"/api/assignments/{c.Assignment}/quiz", noEssay);

        async Task<decimal?> TakeAsync(bool right)
        {
            var id = (await PostAsync(c.Student, $"/api/assignments/{c.Assignment}/quiz/attempts", new { })).GetProperty("id").GetGuid();
            var done = await PostAsync(c.Student, $"/api/quiz-attempts/{id}/submit",
                new { answers = new object[] { new { questionId = Q1, choiceIds = new[] { right ? A : B } }, new { questionId = Q3, boolean = true } } });
            Assert.Equal("graded", done.GetProperty("state").GetString());
            return Score(done);
        }

        Assert.Equal(3m, await TakeAsync(right: true));
        Assert.Equal(1m, await TakeAsync(right: false));
        Assert.Equal(3m, await SubmissionScoreAsync(c)); // highest
        var third = await c.Student.PostAsJsonAsync($"/api/assignments/{c.Assignment}/quiz/attempts", new { });
        Assert.Equal(HttpStatusCode.Conflict, third.StatusCode);
        Assert.Contains("2 allowed attempts", await third.Content.ReadAsStringAsync());

        await PutAsync(c.Teacher, $"/api/assignments/{c.Assignment}/quiz", noEssay with { keep = "latest" });
        Assert.Equal(1m, await SubmissionScoreAsync(c));
        await PutAsync(c.Teacher, $"/api/assignments/{c.Assignment}/quiz", noEssay with { keep = "average" });
        Assert.Equal(2m, await SubmissionScoreAsync(c));
        Assert.Equal(2, await c.District.ScalarAsync<int>("select attempt_count from submissions where assignment_id = $1", c.Assignment));
    }

    [Fact]
    public async Task The_server_keeps_the_time_limit()
    {
        var c = await CourseAsync();
        await PutAsync(c.Teacher, $"/api/assignments/{c.Assignment}/quiz", AllKinds(minutes: 10));
        var started = await PostAsync(c.Student, $"/api/assignments/{c.Assignment}/quiz/attempts", new { });
        var attempt = started.GetProperty("id").GetGuid();
        Assert.InRange(started.GetProperty("secondsLeft").GetInt64(), 590, 600);
        await PutAsync(c.Student, $"/api/quiz-attempts/{attempt}/answers", new { answers = new object[] { new { questionId = Q1, choiceIds = new[] { A } } } });

        // Ten minutes and the grace pass (the deadline moved back, as a clock cannot be here): the late answer is refused,
        // and the attempt is submitted with what was saved in time.
        await c.District.ExecAsync("update quiz_attempts set deadline_at = now() - interval '2 minutes' where id = $1", attempt);
        var late = await c.Student.PutAsJsonAsync($"/api/quiz-attempts/{attempt}/answers",
            new { answers = new object[] { new { questionId = Q3, boolean = true } } });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Contains("Time is up", await late.Content.ReadAsStringAsync());
        var after = await c.Student.GetFromJsonAsync<JsonElement>($"/api/quiz-attempts/{attempt}");
        Assert.True(after.GetProperty("overdue").GetBoolean());
        Assert.Equal(2m, Score(after)); // Q1 only; Q3 came too late
        Assert.Equal("submitted", after.GetProperty("state").GetString()); // the essay still waits
    }

    [Fact]
    public async Task Parallel_starts_give_one_attempt_and_a_shuffled_order_is_kept()
    {
        var c = await CourseAsync();
        await PutAsync(c.Teacher, $"/api/assignments/{c.Assignment}/quiz", AllKinds(shuffle: true));
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => c.Student.PostAsJsonAsync($"/api/assignments/{c.Assignment}/quiz/attempts", new { })));
        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, r.StatusCode.ToString()));
        var ids = new HashSet<Guid>();
        foreach (var r in responses) ids.Add((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        Assert.Single(ids);
        Assert.Equal(1L, await c.District.ScalarAsync<long>("select count(*) from quiz_attempts where assignment_id = $1", c.Assignment));

        var first = await c.Student.GetFromJsonAsync<JsonElement>($"/api/quiz-attempts/{ids.Single()}");
        var order = first.GetProperty("questions").EnumerateArray().Select(q => q.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(new[] { Q1, Q2, Q3, Q4, Q5, Q6 }.OrderBy(x => x), order.OrderBy(x => x));
        var again = await c.Student.GetFromJsonAsync<JsonElement>($"/api/quiz-attempts/{ids.Single()}");
        Assert.Equal(order, again.GetProperty("questions").EnumerateArray().Select(q => q.GetProperty("id").GetGuid()).ToList());
    }

    [Fact]
    public async Task Bad_questions_are_refused_and_nothing_crosses_roles_or_districts()
    {
        var c = await CourseAsync();
        var path = $"/api/assignments/{c.Assignment}/quiz";
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync(path, new { questions = new object[]
        {
            new { id = Q1, kind = "singleChoice", prompt = "Pick", points = 1, choices = new[] { new { id = A, text = "x", correct = true }, new { id = B, text = "y", correct = true } } },
        } }), "questions[0].choices", "two correct choices in a single-choice question");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync(path, new { questions = new object[]
        {
            new { id = Q5, kind = "shortAnswer", prompt = "Say", points = 1 },
        } }), "questions[0].acceptedAnswers", "short answer without accepted answers");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync(path, new { keep = "best", questions = Array.Empty<object>() }), "keep", "unknown keep rule");

        await PutAsync(c.Teacher, path, AllKinds());
        Assert.Equal(HttpStatusCode.Forbidden, (await c.Student.GetAsync(path)).StatusCode); // the key is the teachers'
        Assert.Equal(HttpStatusCode.Forbidden, (await c.Student.PutAsJsonAsync(path, AllKinds())).StatusCode);
        // A teacher previews; only students take the quiz.
        Assert.Equal(HttpStatusCode.Forbidden, (await c.Teacher.PostAsJsonAsync($"{path}/attempts", new { })).StatusCode);

        var attempt = (await PostAsync(c.Student, $"{path}/attempts", new { })).GetProperty("id").GetGuid();
        // A quiz's attempts are the quiz's: no text hand-in beside them.
        await HttpAssert.ProblemAsync(await c.Student.PostAsJsonAsync($"/api/assignments/{c.Assignment}/submissions", new { kind = "text", body = "42" }),
            HttpStatusCode.Conflict);
        var classmate = await c.District.AsAsync("nw-s-002", Roles.Student);
        Assert.Equal(HttpStatusCode.NotFound, (await classmate.GetAsync($"/api/quiz-attempts/{attempt}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await classmate.PostAsJsonAsync($"/api/quiz-attempts/{attempt}/submit", new { })).StatusCode);
        Assert.Empty((await classmate.GetFromJsonAsync<JsonElement>($"{path}/attempts")).EnumerateArray());
        Assert.Single((await c.Teacher.GetFromJsonAsync<JsonElement>($"{path}/attempts")).EnumerateArray());

        var other = await ShellTestDistrict.CreateAsync(api);
        var stranger = await other.AsAsync("nw-t-001", Roles.Teacher);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/quiz-attempts/{attempt}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PutAsJsonAsync($"/api/quiz-attempts/{attempt}/questions/{Q6}/score", new { points = 1 })).StatusCode);
    }
}
