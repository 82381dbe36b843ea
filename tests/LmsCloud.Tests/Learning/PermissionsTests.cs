using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using static LmsCloud.Tests.Learning.ShellTestDistrict;

namespace LmsCloud.Tests.Learning;

/// <summary>Who reads and edits which course shells: each role's boundary, enrolment dates, and districts apart.</summary>
public sealed class PermissionsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static async Task<List<string>> TitlesAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/shells")).GetProperty("items").EnumerateArray().Select(s => s.GetProperty("title").GetString()!).Order().ToList();

    [Fact]
    public async Task Each_role_lists_its_own_slice_of_the_districts_shells()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        foreach (var cls in new[] { "nw-cls-alg1-p1", "nw-cls-math7-p1" })
            await PublishedLessonAsync(await d.AsNewAsync(Roles.DistrictAdmin), await d.ShellOfAsync(cls));

        Assert.Equal(["Algebra I - P1", "Algebra I - P3", "English I - P4"], await TitlesAsync(teacher)); // drafts included
        Assert.Equal(["Algebra I - P1"], await TitlesAsync(await d.AsAsync("nw-s-001", Roles.Student))); // published, enrolled
        Assert.Equal(["Math 7 - P1"], await TitlesAsync(await d.AsAsync("nw-s-009", Roles.Student)));
        Assert.Equal(["Algebra I - P1", "Math 7 - P1"], await TitlesAsync(await d.AsAsync("nw-g-001", Roles.Guardian))); // both children
        Assert.Equal(["Algebra I - P1"], await TitlesAsync(await d.AsAsync("nw-g-003", Roles.Guardian))); // nw-s-004 takes Algebra, not Math 7
        Assert.Equal(["Math 7 - P1", "Math 7 - P2"], await TitlesAsync(await d.AsAsync("nw-t-003", Roles.SchoolAdmin))); // their school (nw-ms)
        Assert.Equal(6, (await TitlesAsync(await d.AsNewAsync(Roles.DistrictAdmin))).Count);
        Assert.Empty(await TitlesAsync(await d.AsNewAsync(Roles.ComplianceOfficer)));
    }

    [Fact]
    public async Task A_student_sees_only_published_items_and_lock_states_and_cannot_write()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var student = await d.AsAsync("nw-s-001", Roles.Student);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var (module, _) = await PublishedLessonAsync(teacher, shell);
        await PostAsync(teacher, $"/api/shells/{shell}/modules/{module}/items", new { kind = "lesson", title = "Draft lesson", body = "secret" });
        var later = (await PostAsync(teacher, $"/api/shells/{shell}/modules",
            new { title = "Week 2", unlockAt = DateTimeOffset.UtcNow.AddDays(7), prerequisites = new[] { module } })).GetProperty("id").GetGuid();
        var laterItem = (await PostAsync(teacher, $"/api/shells/{shell}/modules/{later}/items", new { kind = "link", title = "Later", url = "https://example.org/" }))
            .GetProperty("id").GetGuid();
        await PostAsync(teacher, $"/api/shells/{shell}/items/{laterItem}/publish", new { published = true });
        var laterLesson = (await PostAsync(teacher, $"/api/shells/{shell}/modules/{later}/items", new { kind = "lesson", title = "Next week", body = "not yet" }))
            .GetProperty("id").GetGuid();
        await PostAsync(teacher, $"/api/shells/{shell}/items/{laterLesson}/publish", new { published = true });

        var detail = await student.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}");
        Assert.False(detail.GetProperty("canEdit").GetBoolean());
        var modules = detail.GetProperty("modules").EnumerateArray().ToList();
        Assert.Equal(["Intro"], modules[0].GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()));
        Assert.False(modules[0].GetProperty("locked").GetBoolean());
        Assert.True(modules[1].GetProperty("locked").GetBoolean());
        Assert.Contains("Unlocks", modules[1].GetProperty("lockReason").GetString());
        Assert.True(modules[1].GetProperty("items")[0].GetProperty("locked").GetBoolean());
        // a lock holds whatever the client asks: the lesson's text, a view and a mark done are refused with the reason
        var content = await student.GetAsync($"/api/shells/{shell}/items/{laterLesson}/content");
        await HttpAssert.ProblemAsync(content, HttpStatusCode.Forbidden);
        Assert.DoesNotContain("not yet", await content.Content.ReadAsStringAsync());
        await HttpAssert.ProblemAsync(await student.PostAsync($"/api/shells/{shell}/items/{laterLesson}/view", null), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await student.PostAsync($"/api/shells/{shell}/items/{laterLesson}/done", null), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await student.GetAsync($"/api/shells/{shell}/items/{modules[0].GetProperty("items")[0].GetProperty("id").GetGuid()}/content")).StatusCode);

        // the teacher sees all, without lock states
        var asTeacher = await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}");
        Assert.Equal(2, asTeacher.GetProperty("modules")[0].GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, asTeacher.GetProperty("modules")[1].GetProperty("locked").ValueKind);

        // read-only roles are refused on the server (403), not just shown no button
        await HttpAssert.ProblemAsync(await student.PostAsJsonAsync($"/api/shells/{shell}/modules", new { title = "Mine" }), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await student.PostAsJsonAsync($"/api/shells/{shell}/status", new { status = "draft" }), HttpStatusCode.Forbidden);
        var guardian = await d.AsAsync("nw-g-001", Roles.Guardian);
        await HttpAssert.ProblemAsync(await guardian.PutAsJsonAsync($"/api/shells/{shell}/modules/order", new { order = new[] { later, module } }), HttpStatusCode.Forbidden);
        // a teacher of other classes cannot even see it
        await HttpAssert.ProblemAsync(await (await d.AsAsync("nw-t-003", Roles.Teacher)).PostAsJsonAsync($"/api/shells/{shell}/modules", new { title = "X" }),
            HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Enrolment_dates_and_draft_status_keep_a_student_out()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var student = await d.AsAsync("nw-s-001", Roles.Student);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        await HttpAssert.ProblemAsync(await student.GetAsync($"/api/shells/{shell}"), HttpStatusCode.NotFound); // still a draft
        await PublishedLessonAsync(await d.AsAsync("nw-t-001", Roles.Teacher), shell);
        Assert.Equal(HttpStatusCode.OK, (await student.GetAsync($"/api/shells/{shell}")).StatusCode);

        var enrollment = await d.IdAsync("enrollments", "nw-e-008");
        await d.ExecAsync("update enrollments set begin_date = current_date + 30 where id = $1", enrollment);
        await HttpAssert.ProblemAsync(await student.GetAsync($"/api/shells/{shell}"), HttpStatusCode.NotFound);
        await d.ExecAsync("update enrollments set begin_date = current_date - 60, end_date = current_date - 1 where id = $1", enrollment);
        Assert.Empty(await TitlesAsync(student));
        await d.ExecAsync("update enrollments set end_date = null where id = $1", enrollment);
        Assert.Equal(["Algebra I - P1"], await TitlesAsync(student));
    }

    [Fact]
    public async Task Nothing_crosses_districts()
    {
        var a = await ShellTestDistrict.CreateAsync(api);
        var b = await ShellTestDistrict.CreateAsync(api);
        var shellInA = await a.ShellOfAsync("nw-cls-alg1-p1");
        var adminOfB = await b.AsNewAsync(Roles.DistrictAdmin);
        await HttpAssert.ProblemAsync(await adminOfB.GetAsync($"/api/shells/{shellInA}"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await adminOfB.PostAsJsonAsync($"/api/shells/{shellInA}/modules", new { title = "X" }), HttpStatusCode.NotFound);
        var shellInB = await b.ShellOfAsync("nw-cls-alg1-p1");
        await HttpAssert.ProblemAsync(await adminOfB.PostAsJsonAsync($"/api/shells/{shellInB}/copy", new { sourceShellId = shellInA }), HttpStatusCode.NotFound);
        var listed = (await adminOfB.GetFromJsonAsync<JsonElement>("/api/shells")).GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetGuid());
        Assert.DoesNotContain(shellInA, listed);
        Assert.Equal(6, listed.Count());
    }
}
