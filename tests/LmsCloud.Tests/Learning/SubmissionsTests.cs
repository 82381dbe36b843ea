using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LmsCloud.Api.Learning;
using LmsCloud.Core.Learning.Submissions;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LmsCloud.Tests.Learning.ShellTestDistrict;

namespace LmsCloud.Tests.Learning;

/// <summary>
/// Submissions and grading over the API: attempts as history, open/lock dates and attempt limits, If-Match on grades,
/// the reason rule after posting, one audited grade change per changed aspect, Idempotency-Key retries (one after
/// another and in parallel), stored scores, the grade history (filters, CSV) and role and district boundaries.
/// </summary>
public sealed class SubmissionsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    sealed record Course(ShellTestDistrict District, HttpClient Teacher, HttpClient Student, Guid Shell, Guid Group, Guid StudentId, Guid Classmate);

    /// <summary>Algebra I P1 (nw-t-001 teaches, nw-s-001 takes it), published, with one weighted group.</summary>
    async Task<Course> CourseAsync()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        await PostAsync(teacher, $"/api/shells/{shell}/status", new { status = "published" });
        var group = await PostAsync(teacher, $"/api/shells/{shell}/assignment-groups", new { name = "Homework", weight = 30 });
        var student = await d.IdAsync("users", "nw-s-001");
        var classmate = await d.ScalarAsync<Guid>("""
            select user_id from enrollments where class_id = $1 and role = 'student' and status = 'active' and user_id <> $2 order by user_id limit 1
            """, await d.IdAsync("classes", "nw-cls-alg1-p1"), student);
        return new Course(d, teacher, await d.AsAsync("nw-s-001", Roles.Student), shell, group.GetProperty("id").GetGuid(), student, classmate);
    }

    static async Task<Guid> AssignmentAsync(Course c, string title = "HW1", DateTimeOffset? due = null, DateTimeOffset? unlock = null,
        DateTimeOffset? lockAt = null, int? attempts = null, bool postManually = false, bool publish = true)
    {
        var a = await PostAsync(c.Teacher, $"/api/shells/{c.Shell}/assignments", new
        {
            groupId = c.Group, title, pointsPossible = 10, dueAt = due ?? Now.AddDays(7), unlockAt = unlock, lockAt, allowedAttempts = attempts,
            postManually, instructions = "Do problems 1-10.",
        });
        var id = a.GetProperty("id").GetGuid();
        if (publish) await PostAsync(c.Teacher, $"/api/assignments/{id}/publish", new { published = true });
        return id;
    }

    static Task<HttpResponseMessage> SubmitTextAsync(HttpClient student, Guid assignment, string text = "My answers", string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/assignments/{assignment}/submissions")
            { Content = JsonContent.Create(new { kind = "text", body = text }) };
        if (key != null) request.Headers.Add("Idempotency-Key", key);
        return student.SendAsync(request);
    }

    static Task<HttpResponseMessage> GradeAsync(HttpClient teacher, Guid assignment, Guid student, object body, string? ifMatch = null, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/assignments/{assignment}/submissions/{student}/grade") { Content = JsonContent.Create(body) };
        if (ifMatch != null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (key != null) request.Headers.Add("Idempotency-Key", key);
        return teacher.SendAsync(request);
    }

    static async Task<string> ETagAsync(HttpClient teacher, Guid assignment, Guid student)
    {
        var response = await teacher.GetAsync($"/api/assignments/{assignment}/submissions/{student}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.ETag!.ToString();
    }

    [Fact]
    public async Task A_closed_grading_period_refuses_grades_and_posting_until_it_is_reopened()
    {
        var c = await CourseAsync();
        var assignment = await AssignmentAsync(c, due: Now.AddDays(2), postManually: true);
        await OkJsonAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 7 }));
        // a grading period under the class's fall term, covering the due date, closed by an admin
        var fall = await c.District.ScalarAsync<Guid>("select internal_id from external_ids where external_id = 'nw-2027-fall'");
        var period = Guid.NewGuid();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await c.District.ExecAsync("""
            insert into academic_sessions (tenant_id, id, title, type, start_date, end_date, parent_id, school_year)
            values ($1, $2, 'Quarter 2', 'gradingPeriod', $3, $4, $5, 2027)
            """, c.District.District.Id, period, today.AddDays(-20), today.AddDays(20), fall);
        var admin = await c.District.AsNewAsync(Roles.DistrictAdmin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/grading-periods/{period}/close", null)).StatusCode);

        var refused = await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 9, reason = "regrade" }, await ETagAsync(c.Teacher, assignment, c.StudentId));
        await HttpAssert.ProblemAsync(refused, HttpStatusCode.Conflict);
        Assert.Contains("Grading period Quarter 2 is closed", await refused.Content.ReadAsStringAsync());
        await HttpAssert.ProblemAsync(await c.Teacher.PostAsJsonAsync($"/api/assignments/{assignment}/posting", new { posted = true }), HttpStatusCode.Conflict);
        Assert.Equal(7m, await c.District.ScalarAsync<decimal>("select score from submissions where assignment_id = $1", assignment));
        Assert.Equal(0L, await c.District.ScalarAsync<long>("select count(*) from grade_changes where assignment_id = $1 and kind <> 'score'", assignment));

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/grading-periods/{period}/reopen", null)).StatusCode);
        await OkJsonAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 9 }, await ETagAsync(c.Teacher, assignment, c.StudentId)));
        Assert.Equal(9m, await c.District.ScalarAsync<decimal>("select score from submissions where assignment_id = $1", assignment));
    }

    static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Every_attempt_is_kept_as_history_with_its_kind_and_the_instructions_version()
    {
        var c = await CourseAsync();
        var assignment = await AssignmentAsync(c, due: Now.AddDays(-1)); // already due: handing in now is late
        var first = await OkJsonAsync(await SubmitTextAsync(c.Student, assignment), HttpStatusCode.Created);
        Assert.Equal("submitted", first.GetProperty("workflow").GetString());
        Assert.Equal(1, first.GetProperty("attemptCount").GetInt32());

        var link = await c.Student.PostAsJsonAsync($"/api/assignments/{assignment}/submissions", new { kind = "link", url = "https://docs.example.org/my-essay" });
        await OkJsonAsync(link, HttpStatusCode.Created);
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("file"), "kind");
        form.Add(new ByteArrayContent("%PDF-1.7 my essay"u8.ToArray()), "file", "essay.pdf");
        await OkJsonAsync(await c.Student.PostAsync($"/api/assignments/{assignment}/submissions", form), HttpStatusCode.Created);
        using var html = new MultipartFormDataContent();
        html.Add(new StringContent("file"), "kind");
        html.Add(new ByteArrayContent("<html><script>alert(1)</script></html>"u8.ToArray()), "file", "essay.html");
        await HttpAssert.ValidationProblemAsync(await c.Student.PostAsync($"/api/assignments/{assignment}/submissions", html), "file", "html file");
        await HttpAssert.ValidationProblemAsync(await c.Student.PostAsJsonAsync($"/api/assignments/{assignment}/submissions", new { kind = "link", url = "javascript:alert(1)" }),
            "url", "script url");
        await HttpAssert.ValidationProblemAsync(await c.Student.PostAsJsonAsync($"/api/assignments/{assignment}/submissions", new { kind = "text", body = "" }),
            "body", "empty text");

        var mine = await c.Student.GetFromJsonAsync<JsonElement>($"/api/assignments/{assignment}/submissions/mine");
        Assert.Equal(3, mine.GetProperty("attemptCount").GetInt32());
        var attempts = mine.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.GetProperty("attemptNo").GetInt32()));
        Assert.Equal(["text", "link", "file"], attempts.Select(a => a.GetProperty("kind").GetString()));
        Assert.Equal("My answers", attempts[0].GetProperty("body").GetString());
        Assert.Equal("application/pdf", attempts[2].GetProperty("contentType").GetString());
        Assert.Equal("essay.pdf", attempts[2].GetProperty("fileName").GetString());
        Assert.All(attempts, a => Assert.Equal(1, a.GetProperty("contentVersionNo").GetInt32()));
        Assert.Equal(("late", "automatic"), (mine.GetProperty("status").GetString(), mine.GetProperty("statusSource").GetString()));
        var key = await c.District.ScalarAsync<string>("select file_key from submission_attempts where attempt_no = 3");
        Assert.True(File.Exists(Path.Combine(api.StorageRoot, key)), "the file went through the file store");

        // the teacher sees every student of the course: this one with attempts, a classmate unsubmitted and missing
        var all = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/assignments/{assignment}/submissions");
        var rows = all.EnumerateArray().ToDictionary(r => r.GetProperty("studentId").GetGuid());
        Assert.True(rows.Count > 2);
        Assert.Equal(3, rows[c.StudentId].GetProperty("attemptCount").GetInt32());
        Assert.Equal("unsubmitted", rows[c.Classmate].GetProperty("workflow").GetString());
        Assert.Equal("missing", rows[c.Classmate].GetProperty("status").GetString());
        Assert.Equal("\"0\"", rows[c.Classmate].GetProperty("etag").GetString());
        var one = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/assignments/{assignment}/submissions/{c.StudentId}");
        Assert.Equal(3, one.GetProperty("attempts").GetArrayLength());

        // excusing the classmate turns missing into none; a teacher's status wins over the dates
        await OkJsonAsync(await GradeAsync(c.Teacher, assignment, c.Classmate, new { excused = true }));
        var excused = await OkJsonAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { status = "none" }, await ETagAsync(c.Teacher, assignment, c.StudentId)));
        Assert.Equal(("none", "teacher"), (excused.GetProperty("status").GetString(), excused.GetProperty("statusSource").GetString()));
        var list = (await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/assignments/{assignment}/submissions")).EnumerateArray()
            .ToDictionary(r => r.GetProperty("studentId").GetGuid());
        Assert.Equal(("none", "automatic"), (list[c.Classmate].GetProperty("status").GetString(), list[c.Classmate].GetProperty("statusSource").GetString()));
        var back = await OkJsonAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { status = "automatic" }, await ETagAsync(c.Teacher, assignment, c.StudentId)));
        Assert.Equal(("late", "automatic"), (back.GetProperty("status").GetString(), back.GetProperty("statusSource").GetString()));
    }

    [Fact]
    public async Task A_closed_assignment_or_used_up_attempts_are_refused_with_409_and_a_draft_or_foreign_one_with_404()
    {
        var c = await CourseAsync();
        var notYet = await AssignmentAsync(c, "Later", unlock: Now.AddDays(1), due: Now.AddDays(2));
        await HttpAssert.ProblemAsync(await SubmitTextAsync(c.Student, notYet), HttpStatusCode.Conflict, withDetail: true);
        var closed = await AssignmentAsync(c, "Closed", due: Now.AddDays(-2), lockAt: Now.AddDays(-1));
        await HttpAssert.ProblemAsync(await SubmitTextAsync(c.Student, closed), HttpStatusCode.Conflict, withDetail: true);
        // an extension (the student's own override) reopens it for that student only
        Assert.True((await c.Teacher.PutAsJsonAsync($"/api/assignments/{closed}/overrides/students/{c.StudentId}",
            new { dueAt = Now.AddDays(1), lockAt = Now.AddDays(2), reason = "IEP extension" })).IsSuccessStatusCode);
        await OkJsonAsync(await SubmitTextAsync(c.Student, closed), HttpStatusCode.Created);

        var once = await AssignmentAsync(c, "Once", attempts: 1);
        await OkJsonAsync(await SubmitTextAsync(c.Student, once), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await SubmitTextAsync(c.Student, once, "again"), HttpStatusCode.Conflict, withDetail: true);
        Assert.Equal(1L, await c.District.ScalarAsync<long>(
            "select count(*) from submission_attempts t join submissions s on s.id = t.submission_id where s.assignment_id = $1", once));

        var draft = await AssignmentAsync(c, "Draft", publish: false);
        await HttpAssert.ProblemAsync(await SubmitTextAsync(c.Student, draft), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await c.Student.GetAsync($"/api/assignments/{draft}/submissions/mine"), HttpStatusCode.NotFound);
        var middleSchooler = await c.District.AsAsync("nw-s-009", Roles.Student); // not in this course
        await HttpAssert.ProblemAsync(await SubmitTextAsync(middleSchooler, once), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await SubmitTextAsync(c.Teacher, once), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_grade_needs_the_current_ETag_once_the_submission_exists()
    {
        var c = await CourseAsync();
        var assignment = await AssignmentAsync(c);
        // no row yet: no If-Match needed; the first grade creates it
        Assert.Equal("\"0\"", await ETagAsync(c.Teacher, assignment, c.Classmate));
        var created = await GradeAsync(c.Teacher, assignment, c.Classmate, new { score = 7 });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("\"1\"", created.Headers.ETag!.ToString());

        await HttpAssert.ProblemAsync(await GradeAsync(c.Teacher, assignment, c.Classmate, new { score = 8 }), HttpStatusCode.PreconditionRequired, withDetail: true);
        await HttpAssert.ProblemAsync(await GradeAsync(c.Teacher, assignment, c.Classmate, new { score = 8 }, "*"), HttpStatusCode.PreconditionFailed);
        // the student hands in meanwhile: the teacher's ETag is stale
        await SubmitTextAsync(await c.District.AsAsync("nw-s-001", Roles.Student), assignment);
        var tag = await ETagAsync(c.Teacher, assignment, c.StudentId);
        await OkJsonAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 9 }, tag));
        await HttpAssert.ProblemAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 10 }, tag), HttpStatusCode.PreconditionFailed, withDetail: true);
        var current = await ETagAsync(c.Teacher, assignment, c.StudentId);
        Assert.NotEqual(tag, current);
        var ok = await OkJsonAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 10, reason = "Recounted" }, current));
        Assert.Equal(10m, ok.GetProperty("score").GetDecimal());
        Assert.Equal("graded", ok.GetProperty("workflow").GetString());
        await HttpAssert.ValidationProblemAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = -1 }, current), "score");
        await HttpAssert.ValidationProblemAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { status = "extended" }, current), "status");
    }

    [Fact]
    public async Task A_posted_grade_changes_only_with_a_reason_and_each_changed_aspect_is_one_audited_change()
    {
        var c = await CourseAsync();
        var assignment = await AssignmentAsync(c); // posts automatically
        var first = await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 8 });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode); // the first score needs no reason
        var tag = first.Headers.ETag!.ToString();
        await HttpAssert.ValidationProblemAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 9, status = "late" }, tag), "reason",
            "changing a posted score");
        var changed = await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 9, status = "late", reason = "Regraded question 4" }, tag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        var changes = await RowsAsync(c, """
            select kind, before_values::text, after_values::text, channel, coalesce(reason, '') from grade_changes where assignment_id = $1 order by changed_at, kind
            """, assignment);
        Assert.Equal(3, changes.Count); // score 8; then score 9 and status late
        Assert.Equal(["score", "score", "status"], changes.Select(r => r[0]));
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(changes[0][1]).RootElement.GetProperty("score").ValueKind);
        Assert.Equal(8m, JsonDocument.Parse(changes[1][1]).RootElement.GetProperty("score").GetDecimal());
        Assert.Equal(9m, JsonDocument.Parse(changes[1][2]).RootElement.GetProperty("score").GetDecimal());
        Assert.Equal("late", JsonDocument.Parse(changes[2][2]).RootElement.GetProperty("status").GetString());
        Assert.All(changes, r => Assert.Equal("api", r[3]));
        Assert.Equal("Regraded question 4", changes[1][4]);
        var events = await RowsAsync(c, """
            select action, before_values::text, after_values::text, coalesce(reason, ''), subject_user_id::text from audit_events
            where entity_type = 'assignment' and entity_id = $1 and action like 'grade.%' order by seq
            """, assignment.ToString());
        Assert.Equal(["grade.score", "grade.score", "grade.status"], events.Select(e => e[0]));
        Assert.Equal(9m, JsonDocument.Parse(events[1][2]).RootElement.GetProperty("value").GetProperty("score").GetDecimal());
        Assert.Equal(8m, JsonDocument.Parse(events[1][1]).RootElement.GetProperty("value").GetProperty("score").GetDecimal());
        Assert.Equal("Regraded question 4", events[1][3]);
        Assert.All(events, e => Assert.Equal(c.StudentId.ToString(), e[4]));
        // the same values again change nothing and record nothing
        await OkJsonAsync(await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 9 }, changed.Headers.ETag!.ToString()));
        Assert.Equal(3L, await c.District.ScalarAsync<long>("select count(*) from grade_changes where assignment_id = $1", assignment));

        // manual posting: before posting, changes need no reason; posting is a change itself; after it, a reason is needed
        var manual = await AssignmentAsync(c, "HW2", postManually: true);
        var r1 = await GradeAsync(c.Teacher, manual, c.StudentId, new { score = 5 });
        var r2 = await GradeAsync(c.Teacher, manual, c.StudentId, new { score = 6 }, r1.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
        var mine = await c.Student.GetFromJsonAsync<JsonElement>($"/api/assignments/{manual}/submissions/mine");
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("score").ValueKind); // not posted: the student does not see it
        var posted = await PostAsync(c.Teacher, $"/api/assignments/{manual}/posting", new { posted = true });
        Assert.True(posted.GetProperty("posted").GetBoolean());
        Assert.Equal(6m, (await c.Student.GetFromJsonAsync<JsonElement>($"/api/assignments/{manual}/submissions/mine")).GetProperty("score").GetDecimal());
        await HttpAssert.ValidationProblemAsync(await GradeAsync(c.Teacher, manual, c.StudentId, new { score = 7 }, r2.Headers.ETag!.ToString()), "reason");
        Assert.Equal(HttpStatusCode.OK, (await GradeAsync(c.Teacher, manual, c.StudentId, new { score = 7, reason = "Late work accepted" },
            r2.Headers.ETag!.ToString())).StatusCode);
        Assert.Equal(1L, await c.District.ScalarAsync<long>(
            "select count(*) from grade_changes where assignment_id = $1 and kind = 'posting' and student_id is null", manual));
        Assert.Equal(1L, await c.District.ScalarAsync<long>(
            "select count(*) from audit_events where action = 'grade.posting' and entity_id = $1", manual.ToString()));
        await HttpAssert.ProblemAsync(await c.Teacher.PostAsJsonAsync($"/api/assignments/{assignment}/posting", new { posted = false }), HttpStatusCode.Conflict);

        // through a browser session (cookie) the channel is web
        var browser = await new TestBrowser(api, c.District.District.Slug).SignedInAsync(await api.CreateUserAsync(c.District.District, Roles.DistrictAdmin));
        var web = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/api/assignments/{assignment}/submissions/{c.Classmate}/grade")
            { Content = JsonContent.Create(new { score = 4 }) });
        Assert.True(web.StatusCode == HttpStatusCode.OK, await web.Content.ReadAsStringAsync());
        Assert.Equal("web", await c.District.ScalarAsync<string>("select channel from grade_changes where assignment_id = $1 and student_id = $2",
            assignment, c.Classmate));
    }

    [Fact]
    public async Task A_grade_recomputes_the_students_stored_score_in_the_same_change()
    {
        var c = await CourseAsync();
        var hw1 = await AssignmentAsync(c, "HW1");
        var hw2 = await AssignmentAsync(c, "HW2");
        await OkJsonAsync(await GradeAsync(c.Teacher, hw1, c.StudentId, new { score = 8 }));
        Assert.Equal(80.00m, await c.District.ScalarAsync<decimal>("select current_score from student_scores where shell_id = $1 and student_id = $2",
            c.Shell, c.StudentId));
        await OkJsonAsync(await GradeAsync(c.Teacher, hw2, c.StudentId, new { score = 5 }));
        Assert.Equal(65.00m, await c.District.ScalarAsync<decimal>("select current_score from student_scores where shell_id = $1 and student_id = $2",
            c.Shell, c.StudentId));
        // excusing HW2 takes it out of numerator and denominator
        await OkJsonAsync(await GradeAsync(c.Teacher, hw2, c.StudentId, new { excused = true, reason = "Absent with a note" }, await ETagAsync(c.Teacher, hw2, c.StudentId)));
        Assert.Equal(80.00m, await c.District.ScalarAsync<decimal>("select current_score from student_scores where shell_id = $1 and student_id = $2",
            c.Shell, c.StudentId));
        // manual posting hidden: the student's posted score leaves HW3 out, the teacher's unposted one counts it
        var hw3 = await AssignmentAsync(c, "HW3", postManually: true);
        await OkJsonAsync(await GradeAsync(c.Teacher, hw3, c.StudentId, new { score = 2 }));
        Assert.Equal(80.00m, await c.District.ScalarAsync<decimal>("select current_score from student_scores where shell_id = $1 and student_id = $2",
            c.Shell, c.StudentId));
        Assert.Equal(50.00m, await c.District.ScalarAsync<decimal>("select unposted_current_score from student_scores where shell_id = $1 and student_id = $2",
            c.Shell, c.StudentId));
        await PostAsync(c.Teacher, $"/api/assignments/{hw3}/posting", new { posted = true });
        Assert.Equal(50.00m, await c.District.ScalarAsync<decimal>("select current_score from student_scores where shell_id = $1 and student_id = $2",
            c.Shell, c.StudentId));
    }

    [Fact]
    public async Task A_retried_submit_or_grade_with_the_same_key_is_applied_once()
    {
        var c = await CourseAsync();
        var assignment = await AssignmentAsync(c);
        var first = await SubmitTextAsync(c.Student, assignment, key: "retry-1");
        var again = await SubmitTextAsync(c.Student, assignment, key: "retry-1");
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("attemptCount").GetInt32(),
            (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("attemptCount").GetInt32());
        Assert.Equal(1L, await AttemptsAsync(c, assignment));
        var other = await HttpAssert.ProblemAsync(await SubmitTextAsync(c.Student, assignment, "different", key: "retry-1"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(1L, await AttemptsAsync(c, assignment));
        // a key is the person's own: a classmate's same key is another request
        var classmate = await c.District.AsAsync(await c.District.ScalarAsync<string>(
            "select external_id from external_ids where entity_type = 'users' and internal_id = $1", c.Classmate), Roles.Student);
        Assert.Equal(HttpStatusCode.Created, (await SubmitTextAsync(classmate, assignment, key: "retry-1")).StatusCode);

        // parallel identical requests (a double tap at the deadline): exactly one attempt; the others replay or are told it is in flight
        var parallel = await AssignmentAsync(c, "HW2");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SubmitTextAsync(c.Student, parallel, key: "double-tap")));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(1L, await AttemptsAsync(c, parallel));
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            await HttpAssert.ProblemAsync(conflict, HttpStatusCode.Conflict, withDetail: true);
        Assert.Equal(HttpStatusCode.Created, (await SubmitTextAsync(c.Student, parallel, key: "double-tap")).StatusCode);
        Assert.Equal(1L, await AttemptsAsync(c, parallel));

        // a retried grade change: one grade_changes row, and the replay carries the ETag
        var g1 = await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 9 }, await ETagAsync(c.Teacher, assignment, c.StudentId), key: "grade-1");
        var g2 = await GradeAsync(c.Teacher, assignment, c.StudentId, new { score = 9 }, "\"1\"", key: "grade-1");
        Assert.Equal(HttpStatusCode.OK, g2.StatusCode);
        Assert.Equal(g1.Headers.ETag, g2.Headers.ETag);
        Assert.Equal(1L, await c.District.ScalarAsync<long>("select count(*) from grade_changes where assignment_id = $1 and student_id = $2", assignment, c.StudentId));
        // a refused request stores no key: the corrected retry with it goes through
        await HttpAssert.ProblemAsync(await GradeAsync(c.Teacher, assignment, c.Classmate, new { score = 4 }, "\"7\"", key: "grade-2"), HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.OK, (await GradeAsync(c.Teacher, assignment, c.Classmate, new { score = 4 }, await ETagAsync(c.Teacher, assignment, c.Classmate),
            key: "grade-2")).StatusCode);

        // the rollup job sweeps keys older than a day
        await c.District.ExecAsync("update idempotency_keys set created_at = now() - interval '25 hours' where key = 'retry-1'");
        await api.Services.GetRequiredService<ProgressRollup>().RunAsync(CancellationToken.None);
        Assert.Equal(0L, await c.District.ScalarAsync<long>("select count(*) from idempotency_keys where key = 'retry-1'"));
        Assert.Equal(1L, await c.District.ScalarAsync<long>("select count(*) from idempotency_keys where key = 'double-tap'"));
    }

    [Fact]
    public async Task A_student_cannot_grade_and_other_schools_and_districts_get_404()
    {
        var c = await CourseAsync();
        var assignment = await AssignmentAsync(c);
        await SubmitTextAsync(c.Student, assignment);
        await HttpAssert.ProblemAsync(await GradeAsync(c.Student, assignment, c.StudentId, new { score = 10 }), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await c.Student.GetAsync($"/api/assignments/{assignment}/submissions"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await c.Student.GetAsync($"/api/assignments/{assignment}/submissions/{c.Classmate}"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await c.Student.PostAsJsonAsync($"/api/assignments/{assignment}/posting", new { posted = true }), HttpStatusCode.Forbidden);
        var guardian = await c.District.AsAsync("nw-g-001", Roles.Guardian);
        await HttpAssert.ProblemAsync(await GradeAsync(guardian, assignment, c.StudentId, new { score = 10 }), HttpStatusCode.Forbidden);

        var outsider = await c.District.AsAsync("nw-t-003", Roles.Teacher);
        await HttpAssert.ProblemAsync(await GradeAsync(outsider, assignment, c.StudentId, new { score = 10 }), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await outsider.GetAsync($"/api/assignments/{assignment}/submissions"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await outsider.GetAsync($"/api/shells/{c.Shell}/grade-history"), HttpStatusCode.NotFound);
        // a student of another course of the district is no student of this one
        var middleSchooler = await c.District.IdAsync("users", "nw-s-009");
        await HttpAssert.ProblemAsync(await GradeAsync(c.Teacher, assignment, middleSchooler, new { score = 10 }), HttpStatusCode.NotFound);

        var other = await ShellTestDistrict.CreateAsync(api);
        var admin = await other.AsNewAsync(Roles.DistrictAdmin);
        await HttpAssert.ProblemAsync(await GradeAsync(admin, assignment, c.StudentId, new { score = 10 }), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/assignments/{assignment}/submissions"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/assignments/{assignment}/submissions/{c.StudentId}"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync($"/api/assignments/{assignment}/posting", new { posted = true }), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/shells/{c.Shell}/grade-history"), HttpStatusCode.NotFound);
        Assert.Equal(0L, await other.ScalarAsync<long>("select count(*) from submissions"));
        Assert.Equal(0L, await c.District.ScalarAsync<long>("select count(*) from grade_changes"));
    }

    [Fact]
    public async Task The_grade_history_filters_pages_and_downloads_as_CSV_and_a_student_sees_only_their_posted_grades()
    {
        var c = await CourseAsync();
        var hw1 = await AssignmentAsync(c, "HW1");
        var hw2 = await AssignmentAsync(c, "HW2", postManually: true);
        await OkJsonAsync(await GradeAsync(c.Teacher, hw1, c.StudentId, new { score = 8 }));
        await OkJsonAsync(await GradeAsync(c.Teacher, hw1, c.Classmate, new { score = 6 }));
        await OkJsonAsync(await GradeAsync(c.Teacher, hw2, c.StudentId, new { score = 3, status = "late" }));
        var admin = await c.District.AsNewAsync(Roles.DistrictAdmin);
        await OkJsonAsync(await GradeAsync(admin, hw2, c.Classmate, new { excused = true }));
        var path = $"/api/shells/{c.Shell}/grade-history";

        async Task<List<JsonElement>> ItemsAsync(HttpClient client, string query) =>
            (await client.GetFromJsonAsync<JsonElement>($"{path}?{query}")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(5, (await ItemsAsync(c.Teacher, "")).Count);
        Assert.Equal(3, (await ItemsAsync(c.Teacher, $"studentId={c.StudentId}")).Count);
        Assert.Equal(2, (await ItemsAsync(c.Teacher, $"assignmentId={hw1}")).Count);
        var byAdmin = Assert.Single(await ItemsAsync(c.Teacher, $"graderId={await c.District.ScalarAsync<Guid>("select grader_id from submissions where excused")}"));
        Assert.Equal("excused", byAdmin.GetProperty("kind").GetString());
        Assert.True(byAdmin.GetProperty("after").GetProperty("excused").GetBoolean());
        Assert.Equal(5, (await ItemsAsync(c.Teacher, $"classId={await c.District.IdAsync("classes", "nw-cls-alg1-p1")}")).Count);
        Assert.Empty(await ItemsAsync(c.Teacher, $"classId={await c.District.IdAsync("classes", "nw-cls-math7-p1")}"));
        Assert.Empty(await ItemsAsync(c.Teacher, $"to={Uri.EscapeDataString(Now.AddDays(-1).ToString("O"))}"));
        Assert.Equal(5, (await ItemsAsync(c.Teacher, $"from={Uri.EscapeDataString(Now.AddMinutes(-10).ToString("O"))}")).Count);
        var page = await c.Teacher.GetFromJsonAsync<JsonElement>($"{path}?pageSize=2&page=3");
        Assert.Equal(5, page.GetProperty("total").GetInt32());
        Assert.Single(page.GetProperty("items").EnumerateArray());
        var newest = (await ItemsAsync(c.Teacher, "pageSize=1"))[0];
        Assert.Equal(c.Classmate, newest.GetProperty("studentId").GetGuid()); // newest first
        await HttpAssert.ValidationProblemAsync(await c.Teacher.GetAsync($"{path}?pageSize=0"), "pageSize");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.GetAsync($"{path}?format=xml"), "format");

        var csv = await c.Teacher.GetAsync($"{path}?format=csv&assignmentId={hw2}");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', GradeHistoryCsv.Columns), lines[0]);
        Assert.Equal(4, lines.Length); // header + score, status (nw-s-001) + excused (classmate)
        Assert.Contains(lines, l => l.Contains("HW2") && l.Contains(",status,") && l.Contains("late"));
        var accept = new HttpRequestMessage(HttpMethod.Get, path);
        accept.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var byAccept = await c.Teacher.SendAsync(accept);
        Assert.Equal("text/csv", byAccept.Content.Headers.ContentType!.MediaType);
        Assert.Equal(6, (await byAccept.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);

        // the student: their own changes of posted assignments only (HW2 is not posted yet); the guardian sees their child's
        var own = await ItemsAsync(c.Student, "");
        Assert.Equal([hw1], own.Select(e => e.GetProperty("assignmentId").GetGuid()));
        Assert.Empty(await ItemsAsync(c.Student, $"studentId={c.Classmate}"));
        await PostAsync(c.Teacher, $"/api/assignments/{hw2}/posting", new { posted = true });
        Assert.Equal(3, (await ItemsAsync(c.Student, "")).Count); // still no posting entry, and nothing of the classmate
        var guardian = await c.District.AsAsync("nw-g-001", Roles.Guardian);
        Assert.All(await ItemsAsync(guardian, ""), e => Assert.Equal(c.StudentId, e.GetProperty("studentId").GetGuid()));
        Assert.Equal(3, (await ItemsAsync(guardian, "")).Count);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_submission_endpoints()
    {
        var paths = (await api.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths");
        Assert.True(paths.GetProperty("/api/assignments/{id}/submissions").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/assignments/{id}/submissions").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/assignments/{id}/submissions/mine").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/assignments/{id}/submissions/{studentId}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/assignments/{id}/submissions/{studentId}/grade").TryGetProperty("put", out _));
        Assert.True(paths.GetProperty("/api/assignments/{id}/posting").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/shells/{shellId}/grade-history").TryGetProperty("get", out _));
    }

    static Task<long> AttemptsAsync(Course c, Guid assignment) => c.District.ScalarAsync<long>(
        "select count(*) from submission_attempts t join submissions s on s.id = t.submission_id where s.assignment_id = $1 and s.student_id = $2",
        assignment, c.StudentId);

    async Task<List<string[]>> RowsAsync(Course c, string sql, object parameter)
    {
        var rows = new List<string[]>();
        await using var conn = await api.Database.OpenAsTenantAsync(c.District.District.Id);
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(parameter);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add(Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "" : r.GetValue(i).ToString()!).ToArray());
        return rows;
    }
}
