using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using static LmsCloud.Tests.Learning.ShellTestDistrict;

namespace LmsCloud.Tests.Learning;

/// <summary>
/// Assignment groups, assignments and overrides over the API: validation, effective due date precedence, what a student
/// sees, role and district boundaries, archived shells and audit events.
/// </summary>
public sealed class AssignmentsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static readonly DateTimeOffset Due = new(2026, 10, 1, 23, 59, 0, TimeSpan.Zero);

    sealed record Course(ShellTestDistrict District, HttpClient Teacher, Guid Shell, Guid Group);

    /// <summary>Algebra I P1 (taught by nw-t-001, taken by nw-s-001), published, with one group.</summary>
    async Task<Course> CourseAsync()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        await PostAsync(teacher, $"/api/shells/{shell}/status", new { status = "published" });
        var group = await PostAsync(teacher, $"/api/shells/{shell}/assignment-groups", new { name = "Homework", weight = 30, dropLowest = 1 });
        return new Course(d, teacher, shell, group.GetProperty("id").GetGuid());
    }

    static async Task<Guid> AssignmentAsync(Course c, string title = "HW1", bool publish = true, DateTimeOffset? due = null)
    {
        var a = await PostAsync(c.Teacher, $"/api/shells/{c.Shell}/assignments",
            new { groupId = c.Group, title, pointsPossible = 10, dueAt = due ?? Due, instructions = "Do problems 1-10." });
        var id = a.GetProperty("id").GetGuid();
        if (publish) await PostAsync(c.Teacher, $"/api/assignments/{id}/publish", new { published = true });
        return id;
    }

    static async Task<Dictionary<Guid, (DateTimeOffset? Due, string Source)>> DueDatesAsync(Course c, Guid assignment)
    {
        var rows = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/assignments/{assignment}/due-dates");
        return rows.EnumerateArray().ToDictionary(r => r.GetProperty("studentId").GetGuid(),
            r => (r.GetProperty("dueAt").ValueKind == JsonValueKind.Null ? (DateTimeOffset?)null : r.GetProperty("dueAt").GetDateTimeOffset(),
                r.GetProperty("source").GetString()!));
    }

    [Fact]
    public async Task Dates_sent_with_a_local_offset_are_stored_as_the_instant_they_name()
    {
        var c = await CourseAsync();
        var chicago = new DateTimeOffset(2026, 12, 10, 23, 59, 0, TimeSpan.FromHours(-6)); // 05:59 UTC the next day
        var id = await AssignmentAsync(c, due: chicago);
        var student = await c.District.IdAsync("users", "nw-s-001");
        var put = await c.Teacher.PutAsJsonAsync($"/api/assignments/{id}/overrides/students/{student}", new { dueAt = chicago.AddDays(7), reason = "IEP" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var dates = await DueDatesAsync(c, id);
        Assert.Equal(chicago.AddDays(7), dates[student].Due);
        Assert.Equal(new DateTime(2026, 12, 11, 5, 59, 0, DateTimeKind.Utc),
            await c.District.ScalarAsync<DateTime>("select due_at from assignments where id = $1", id));
    }

    [Fact]
    public async Task Bad_input_is_refused_field_by_field()
    {
        var c = await CourseAsync();
        var path = $"/api/shells/{c.Shell}/assignments";
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync(path, new { groupId = c.Group, title = "X", pointsPossible = -1 }),
            "pointsPossible", "negative points");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync(path, new { groupId = c.Group, title = "X", gradingType = "gpa_scale" }),
            "gradingType", "unknown grading type");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync(path,
            new { groupId = c.Group, title = "X", dueAt = Due, lockAt = Due.AddDays(-1) }), "lockAt", "lock before due");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync(path,
            new { groupId = c.Group, title = "X", dueAt = Due, unlockAt = Due.AddDays(1) }), "unlockAt", "unlock after due");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync(path, new { groupId = Guid.NewGuid(), title = "X" }), "groupId",
            "group of no course");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync(path, new { groupId = c.Group, title = "" }), "title", "empty title");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync(path, new { groupId = c.Group, title = "X", allowedAttempts = 0 }),
            "allowedAttempts", "zero attempts");

        var groups = $"/api/shells/{c.Shell}/assignment-groups";
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync(groups, new { name = "Quizzes", weight = -5 }), "weight", "negative weight");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync(groups, new { name = "Quizzes", dropLowest = -1 }), "dropLowest",
            "negative drops");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync(groups, new { name = "Quizzes", dropHighest = -1 }), "dropHighest",
            "negative drops");

        // never-drop ids must belong to the group: one from another group is refused, one of its own is kept
        var other = (await PostAsync(c.Teacher, groups, new { name = "Tests", weight = 70 })).GetProperty("id").GetGuid();
        var own = await AssignmentAsync(c, "HW1");
        var foreign = (await PostAsync(c.Teacher, $"/api/shells/{c.Shell}/assignments", new { groupId = other, title = "Test 1", pointsPossible = 100 }))
            .GetProperty("id").GetGuid();
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PatchAsJsonAsync($"{groups}/{c.Group}", new { neverDrop = new[] { foreign } }),
            "neverDrop", "assignment of another group");
        var patched = await c.Teacher.PatchAsJsonAsync($"{groups}/{c.Group}", new { neverDrop = new[] { own } });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal([own], (await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("neverDrop").EnumerateArray().Select(e => e.GetGuid()));
        // moving it to another group removes its never-drop mark there
        Assert.True((await c.Teacher.PatchAsJsonAsync($"/api/assignments/{own}", new { groupId = other })).IsSuccessStatusCode);
        var all = await c.Teacher.GetFromJsonAsync<JsonElement>(groups);
        Assert.All(all.EnumerateArray(), g => Assert.Empty(g.GetProperty("neverDrop").EnumerateArray()));
        // a PATCH is checked against the stored dates too
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PatchAsJsonAsync($"/api/assignments/{own}", new { lockAt = Due.AddDays(-2) }), "lockAt",
            "patched lock before stored due");
    }

    [Fact]
    public async Task Groups_keep_dense_positions_and_a_group_holding_assignments_cannot_be_deleted()
    {
        var c = await CourseAsync();
        var groups = $"/api/shells/{c.Shell}/assignment-groups";
        var quizzes = (await PostAsync(c.Teacher, groups, new { name = "Quizzes", weight = 20 })).GetProperty("id").GetGuid();
        var tests = (await PostAsync(c.Teacher, groups, new { name = "Tests", weight = 50 })).GetProperty("id").GetGuid();
        await AssignmentAsync(c);

        await HttpAssert.ProblemAsync(await c.Teacher.DeleteAsync($"{groups}/{c.Group}"), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NoContent, (await c.Teacher.DeleteAsync($"{groups}/{quizzes}")).StatusCode);
        var left = await c.Teacher.GetFromJsonAsync<JsonElement>(groups);
        Assert.Equal([(c.Group, 1), (tests, 2)], left.EnumerateArray().Select(g => (g.GetProperty("id").GetGuid(), g.GetProperty("position").GetInt32())));

        var reordered = await c.Teacher.PutAsJsonAsync($"{groups}/order", new { order = new[] { tests, c.Group } });
        Assert.Equal(HttpStatusCode.OK, reordered.StatusCode);
        Assert.Equal([tests, c.Group], (await reordered.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(g => g.GetProperty("id").GetGuid()));
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync($"{groups}/order", new { order = new[] { tests } }), "order", "incomplete");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync($"{groups}/order", new { order = new[] { tests, tests } }), "order",
            "duplicated");
    }

    [Fact]
    public async Task Removing_the_module_item_an_assignment_is_placed_at_unlinks_the_assignment_and_keeps_it()
    {
        var c = await CourseAsync();
        var module = (await PostAsync(c.Teacher, $"/api/shells/{c.Shell}/modules", new { title = "Week 1" })).GetProperty("id").GetGuid();
        var placeholder = (await PostAsync(c.Teacher, $"/api/shells/{c.Shell}/modules/{module}/items", new { kind = "assignment", title = "HW1" }))
            .GetProperty("id").GetGuid();
        var assignment = (await PostAsync(c.Teacher, $"/api/shells/{c.Shell}/assignments",
            new { groupId = c.Group, title = "HW1", pointsPossible = 10, moduleItemId = placeholder })).GetProperty("id").GetGuid();
        Assert.Equal(placeholder, (await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/assignments/{assignment}")).GetProperty("moduleItemId").GetGuid());

        Assert.Equal(HttpStatusCode.NoContent, (await c.Teacher.DeleteAsync($"/api/shells/{c.Shell}/items/{placeholder}")).StatusCode);
        var after = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/assignments/{assignment}");
        Assert.Equal(JsonValueKind.Null, after.GetProperty("moduleItemId").ValueKind);
        Assert.Equal("HW1", after.GetProperty("title").GetString());
    }

    [Fact]
    public async Task The_student_override_wins_then_the_later_section_then_the_assignment()
    {
        var c = await CourseAsync();
        var d = c.District;
        // merge Algebra I P3 into P1's shell, so the shell serves two sections; nw-s-001 is also enrolled in P3
        var p3Shell = await d.ShellOfAsync("nw-cls-alg1-p3");
        await PostAsync(c.Teacher, $"/api/shells/{c.Shell}/merge", new { sourceShellId = p3Shell });
        var assignment = await AssignmentAsync(c);
        var p1 = await d.IdAsync("classes", "nw-cls-alg1-p1");
        var p3 = await d.IdAsync("classes", "nw-cls-alg1-p3");
        var student = await d.IdAsync("users", "nw-s-001");
        var p1Only = await d.ScalarAsync<Guid>("""
            select e.user_id from enrollments e where e.class_id = $1 and e.role = 'student' and e.status = 'active' and e.user_id <> $2
            order by e.user_id limit 1
            """, p1, student);
        var p3Only = await d.ScalarAsync<Guid>("""
            select e.user_id from enrollments e where e.class_id = $1 and e.role = 'student' and e.status = 'active'
            and not exists (select 1 from enrollments f where f.class_id = $2 and f.user_id = e.user_id) order by e.user_id limit 1
            """, p3, p1);
        var before = await DueDatesAsync(c, assignment);
        Assert.Equal((Due, "assignment"), before[p1Only]);
        Assert.Equal((Due, "assignment"), before[p3Only]); // every student of both sections has a row

        // an enrolment added later gets its row in the same statement (the enrollments trigger)
        await d.ExecAsync("""
            insert into enrollments (tenant_id, id, class_id, user_id, school_id, role)
            select tenant_id, gen_random_uuid(), id, $2, school_id, 'student' from classes where id = $1
            """, p3, student);

        var path = $"/api/assignments/{assignment}/overrides";
        Assert.True((await c.Teacher.PutAsJsonAsync($"{path}/sections/{p1}", new { dueAt = Due.AddDays(2) })).IsSuccessStatusCode);
        Assert.True((await c.Teacher.PutAsJsonAsync($"{path}/sections/{p3}", new { dueAt = Due.AddDays(5) })).IsSuccessStatusCode);
        var sections = await DueDatesAsync(c, assignment);
        Assert.Equal((Due.AddDays(2), "section"), sections[p1Only]);
        Assert.Equal((Due.AddDays(5), "section"), sections[p3Only]);
        Assert.Equal((Due.AddDays(5), "section"), sections[student]); // in both sections: the later date

        // an IEP extension: the student's own override wins even when it is earlier than a section's
        Assert.True((await c.Teacher.PutAsJsonAsync($"{path}/students/{student}", new { dueAt = Due.AddDays(3), reason = "IEP extension" }))
            .IsSuccessStatusCode);
        Assert.Equal((Due.AddDays(3), "student"), (await DueDatesAsync(c, assignment))[student]);

        // removing overrides falls back; changing the assignment's date moves everyone still on it
        Assert.Equal(HttpStatusCode.NoContent, (await c.Teacher.DeleteAsync($"{path}/students/{student}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await c.Teacher.DeleteAsync($"{path}/sections/{p3}")).StatusCode);
        Assert.True((await c.Teacher.PatchAsJsonAsync($"/api/assignments/{assignment}", new { dueAt = Due.AddDays(1) })).IsSuccessStatusCode);
        var after = await DueDatesAsync(c, assignment);
        Assert.Equal((Due.AddDays(2), "section"), after[student]);
        Assert.Equal((Due.AddDays(1), "assignment"), after[p3Only]);

        // a student who leaves the course loses their row
        await d.ExecAsync("update enrollments set status = 'tobedeleted' where class_id = $1 and user_id = $2", p3, p3Only);
        Assert.False((await DueDatesAsync(c, assignment)).ContainsKey(p3Only));

        // an override for a class the course does not serve, or a student not in it, is 404
        var biology = await d.IdAsync("classes", "nw-cls-bio-p2");
        await HttpAssert.ProblemAsync(await c.Teacher.PutAsJsonAsync($"{path}/sections/{biology}", new { dueAt = Due }), HttpStatusCode.NotFound);
        var middleSchooler = await d.IdAsync("users", "nw-s-009");
        await HttpAssert.ProblemAsync(await c.Teacher.PutAsJsonAsync($"{path}/students/{middleSchooler}", new { dueAt = Due }), HttpStatusCode.NotFound);
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync($"{path}/students/{student}",
            new { dueAt = Due, lockAt = Due.AddDays(-1) }), "lockAt", "override lock before due");
    }

    [Fact]
    public async Task A_student_sees_only_published_assignments_with_their_own_dates()
    {
        var c = await CourseAsync();
        var published = await AssignmentAsync(c, "HW1");
        var draft = await AssignmentAsync(c, "HW2", publish: false);
        var me = await c.District.IdAsync("users", "nw-s-001");
        await c.Teacher.PutAsJsonAsync($"/api/assignments/{published}/overrides/students/{me}", new { dueAt = Due.AddDays(7), reason = "504 plan" });

        var student = await c.District.AsAsync("nw-s-001", Roles.Student);
        var list = await student.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/assignments");
        var only = Assert.Single(list.EnumerateArray());
        Assert.Equal(published, only.GetProperty("id").GetGuid());
        Assert.Equal(Due.AddDays(7), only.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal("student", only.GetProperty("dueSource").GetString());

        var one = await student.GetFromJsonAsync<JsonElement>($"/api/assignments/{published}");
        Assert.Equal(Due.AddDays(7), one.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal("Do problems 1-10.", one.GetProperty("instructions").GetString());
        await HttpAssert.ProblemAsync(await student.GetAsync($"/api/assignments/{draft}"), HttpStatusCode.NotFound);
        // other students' dates and overrides are the teachers' only; writes are refused
        await HttpAssert.ProblemAsync(await student.GetAsync($"/api/assignments/{published}/due-dates"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await student.GetAsync($"/api/assignments/{published}/overrides"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await student.GetAsync($"/api/assignments/{draft}/overrides"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await student.PatchAsJsonAsync($"/api/assignments/{published}", new { pointsPossible = 100 }), HttpStatusCode.Forbidden);

        // another student of the class sees the assignment's own date
        var classmate = await c.District.ScalarAsync<Guid>("""
            select user_id from enrollments where class_id = $1 and role = 'student' and user_id <> $2 order by user_id limit 1
            """, await c.District.IdAsync("classes", "nw-cls-alg1-p1"), me);
        var teacherView = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/assignments/{published}");
        Assert.Equal(Due, teacherView.GetProperty("dueAt").GetDateTimeOffset()); // the teacher sees the assignment's date
        Assert.Equal(Due, (await DueDatesAsync(c, published))[classmate].Due);
        // the teacher's list has both
        Assert.Equal(2, (await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/assignments")).GetArrayLength());
    }

    [Fact]
    public async Task A_teacher_of_another_school_gets_404_and_another_district_never_sees_the_assignment()
    {
        var c = await CourseAsync();
        var assignment = await AssignmentAsync(c);
        var outsider = await c.District.AsAsync("nw-t-003", Roles.Teacher);
        await HttpAssert.ProblemAsync(await outsider.GetAsync($"/api/assignments/{assignment}"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await outsider.GetAsync($"/api/shells/{c.Shell}/assignments"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await outsider.PatchAsJsonAsync($"/api/assignments/{assignment}", new { title = "Mine" }), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await outsider.DeleteAsync($"/api/assignments/{assignment}"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await outsider.PostAsJsonAsync($"/api/shells/{c.Shell}/assignment-groups", new { name = "X" }), HttpStatusCode.NotFound);

        var other = await ShellTestDistrict.CreateAsync(api);
        var admin = await other.AsNewAsync(Roles.DistrictAdmin);
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/assignments/{assignment}"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/assignments/{assignment}/due-dates"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await admin.PatchAsJsonAsync($"/api/assignments/{assignment}", new { title = "Mine" }), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/shells/{c.Shell}/assignment-groups"), HttpStatusCode.NotFound);
        Assert.Equal(0L, await other.ScalarAsync<long>("select count(*) from assignments"));
        Assert.Equal(0L, await other.ScalarAsync<long>("select count(*) from effective_due_dates"));
        // and the assignment is untouched in its own district
        Assert.Equal("HW1", (await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/assignments/{assignment}")).GetProperty("title").GetString());
    }

    [Fact]
    public async Task An_archived_course_refuses_changes_with_409()
    {
        var c = await CourseAsync();
        var assignment = await AssignmentAsync(c);
        var admin = await c.District.AsNewAsync(Roles.DistrictAdmin);
        await PostAsync(admin, $"/api/shells/{c.Shell}/status", new { status = "archived" });
        await HttpAssert.ProblemAsync(await c.Teacher.PatchAsJsonAsync($"/api/assignments/{assignment}", new { title = "Late" }), HttpStatusCode.Conflict);
        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync($"/api/shells/{c.Shell}/assignments", new { groupId = c.Group, title = "X" }),
            HttpStatusCode.Conflict);
        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync($"/api/assignments/{assignment}/publish", new { published = false }), HttpStatusCode.Conflict);
        await HttpAssert.ProblemAsync(await admin.PatchAsJsonAsync($"/api/shells/{c.Shell}/assignment-groups/{c.Group}", new { weight = 5 }),
            HttpStatusCode.Conflict);
        var student = await c.District.IdAsync("users", "nw-s-001");
        await HttpAssert.ProblemAsync(await admin.PutAsJsonAsync($"/api/assignments/{assignment}/overrides/students/{student}", new { dueAt = Due }),
            HttpStatusCode.Conflict);
        // still readable
        Assert.Equal("HW1", (await admin.GetFromJsonAsync<JsonElement>($"/api/assignments/{assignment}")).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Every_write_is_audited_with_before_and_after_and_a_refused_write_leaves_none()
    {
        var c = await CourseAsync();
        var assignment = await AssignmentAsync(c);
        var student = await c.District.IdAsync("users", "nw-s-001");
        await c.Teacher.PatchAsJsonAsync($"/api/assignments/{assignment}", new { pointsPossible = 20 });
        await c.Teacher.PutAsJsonAsync($"/api/assignments/{assignment}/overrides/students/{student}", new { dueAt = Due.AddDays(3), reason = "IEP" });
        await c.Teacher.PatchAsJsonAsync($"/api/assignments/{assignment}", new { pointsPossible = -3 }); // refused
        await c.Teacher.DeleteAsync($"/api/assignments/{assignment}/overrides/students/{student}");

        var events = new List<(string Action, string? Subject, string? Before, string? After)>();
        await using (var conn = await api.Database.OpenAsTenantAsync(c.District.District.Id))
        await using (var cmd = new Npgsql.NpgsqlCommand("""
            select action, subject_user_id::text, before_values::text, after_values::text from audit_events
            where entity_type = 'assignment' and entity_id = $1 order by seq
            """, conn))
        {
            cmd.Parameters.AddWithValue(assignment.ToString());
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
                events.Add((r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)));
        }
        Assert.Equal(["assignment.created", "assignment.published", "assignment.updated", "assignment_override.created", "assignment_override.deleted"],
            events.Select(e => e.Action));
        var updated = events[2];
        Assert.Equal(10m, JsonDocument.Parse(updated.Before!).RootElement.GetProperty("pointsPossible").GetDecimal());
        Assert.Equal(20m, JsonDocument.Parse(updated.After!).RootElement.GetProperty("pointsPossible").GetDecimal());
        Assert.Equal(student.ToString(), events[3].Subject); // a student override names the student
        Assert.Contains("IEP", events[3].After);
        Assert.Equal(1L, await c.District.ScalarAsync<long>(
            "select count(*) from audit_events where entity_type = 'assignment_group' and entity_id = $1 and action = 'assignment_group.created'",
            c.Group.ToString()));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_assignment_endpoints()
    {
        var paths = (await api.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths");
        Assert.True(paths.GetProperty("/api/shells/{shellId}/assignments").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/shells/{shellId}/assignment-groups/order").TryGetProperty("put", out _));
        Assert.True(paths.GetProperty("/api/assignments/{id}").TryGetProperty("patch", out _));
        Assert.True(paths.GetProperty("/api/assignments/{id}/overrides/students/{studentId}").TryGetProperty("put", out _));
        Assert.True(paths.GetProperty("/api/assignments/{id}/due-dates").TryGetProperty("get", out _));
    }
}
