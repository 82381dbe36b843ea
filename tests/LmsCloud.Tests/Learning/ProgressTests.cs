using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Learning;

/// <summary>Item progress and course completion over the API, as students, guardians and teachers of an imported district.</summary>
public sealed class ProgressTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static async Task<JsonElement> ProgressAsync(HttpClient client, Guid shell) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}/progress");

    static JsonElement Own(JsonElement progress) => Assert.Single(progress.GetProperty("students").EnumerateArray());

    [Fact]
    public async Task Completion_counts_once_and_adding_or_removing_a_required_item_changes_the_denominator_for_everyone()
    {
        var district = await ShellTestDistrict.CreateAsync(api);
        var shell = await district.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = await district.AsAsync("nw-t-001", Roles.Teacher);
        var student = await district.AsAsync("nw-s-001", Roles.Student);
        var (module, lesson) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell); // must_view
        var done = await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/modules/{module}/items",
            new { kind = "link", title = "Worksheet", url = "https://example.test/w", requirement = "mark_done" });
        var worksheet = done.GetProperty("id").GetGuid();
        await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/items/{worksheet}/publish", new { published = true });

        // Double clicks and retries: two views, three marks, in parallel.
        await Task.WhenAll(student.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null), student.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null));
        var mine = Own(await ProgressAsync(student, shell));
        Assert.Equal(1, mine.GetProperty("completedRequiredCount").GetInt32());
        Assert.Equal(2, mine.GetProperty("requiredItemCount").GetInt32());
        Assert.Equal(50m, mine.GetProperty("percent").GetDecimal());

        var marks = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => student.PostAsync($"/api/shells/{shell}/items/{worksheet}/done", null)));
        Assert.All(marks, m => Assert.Equal(HttpStatusCode.OK, m.StatusCode));
        mine = Own(await ProgressAsync(student, shell));
        Assert.Equal(2, mine.GetProperty("completedRequiredCount").GetInt32());
        Assert.True(mine.GetProperty("completed").GetBoolean());

        // A new required item: everyone's denominator grows, this student is no longer complete.
        var quizLike = await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/modules/{module}/items",
            new { kind = "link", title = "Reading", url = "https://example.test/r", requirement = "mark_done" });
        await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/items/{quizLike.GetProperty("id").GetGuid()}/publish", new { published = true });
        mine = Own(await ProgressAsync(student, shell));
        Assert.Equal(3, mine.GetProperty("requiredItemCount").GetInt32());
        Assert.False(mine.GetProperty("completed").GetBoolean());
        Assert.Equal(66.67m, mine.GetProperty("percent").GetDecimal());

        // Removing a completed required item takes it out of numerator and denominator alike.
        Assert.True((await teacher.DeleteAsync($"/api/shells/{shell}/items/{worksheet}")).IsSuccessStatusCode);
        mine = Own(await ProgressAsync(student, shell));
        Assert.Equal(1, mine.GetProperty("completedRequiredCount").GetInt32());
        Assert.Equal(2, mine.GetProperty("requiredItemCount").GetInt32());

        // The teacher sees the class list, everyone with the same denominator; the student's own items include the version seen.
        var asTeacher = await ProgressAsync(teacher, shell);
        var students = asTeacher.GetProperty("students").EnumerateArray().ToList();
        Assert.True(students.Count > 1);
        Assert.All(students, s => Assert.Equal(2, s.GetProperty("requiredItemCount").GetInt32()));
        var items = (await ProgressAsync(student, shell)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(1, items.Single(i => i.GetProperty("moduleItemId").GetGuid() == lesson).GetProperty("viewedVersionNo").GetInt32());
    }

    [Fact]
    public async Task Only_students_record_progress_and_guardians_read_their_childrens()
    {
        var district = await ShellTestDistrict.CreateAsync(api);
        var shell = await district.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = await district.AsAsync("nw-t-001", Roles.Teacher);
        var (_, lesson) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell);
        var guardian = await district.AsAsync("nw-g-001", Roles.Guardian);
        var student = await district.AsAsync("nw-s-001", Roles.Student);
        var stranger = await district.AsAsync("nw-s-009", Roles.Student); // not in Algebra I

        await HttpAssert.ProblemAsync(await guardian.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await teacher.PostAsync($"/api/shells/{shell}/items/{lesson}/heartbeat", null), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await stranger.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await student.PutAsJsonAsync($"/api/shells/{shell}/items/{lesson}/position", new { seconds = -4 }), HttpStatusCode.BadRequest);

        Assert.True((await student.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null)).IsSuccessStatusCode);
        var position = await (await student.PutAsJsonAsync($"/api/shells/{shell}/items/{lesson}/position", new { seconds = 95 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(95, position.GetProperty("positionSeconds").GetInt32());
        var beats = await (await student.PostAsJsonAsync($"/api/shells/{shell}/items/{lesson}/heartbeat",
            new { events = new[] { new { id = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow.AddSeconds(-30) }, new { id = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow } } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, beats.GetProperty("stored").GetInt32());
        await HttpAssert.ProblemAsync(await student.PostAsJsonAsync($"/api/shells/{shell}/items/{lesson}/heartbeat",
            new { events = new[] { new { id = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow.AddDays(2) } } }), HttpStatusCode.BadRequest);

        var child = Own(await ProgressAsync(guardian, shell)); // nw-g-001's children: only nw-s-001 takes Algebra I P1
        Assert.Equal(await district.IdAsync("users", "nw-s-001"), child.GetProperty("studentId").GetGuid());
        Assert.Equal(1, child.GetProperty("completedRequiredCount").GetInt32());
        await HttpAssert.ProblemAsync(await stranger.GetAsync($"/api/shells/{shell}/progress"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Heartbeats_and_positions_need_a_recorded_view_of_the_item()
    {
        var district = await ShellTestDistrict.CreateAsync(api);
        var shell = await district.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = await district.AsAsync("nw-t-001", Roles.Teacher);
        var (_, lesson) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell);
        var student = await district.AsAsync("nw-s-001", Roles.Student);
        var stranger = await district.AsAsync("nw-s-009", Roles.Student); // not in Algebra I
        object Beat() => new { events = new[] { new { id = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow } } };

        // Open to the student but never opened: no time on task and no resume point, nothing stored.
        await HttpAssert.ProblemAsync(await student.PostAsJsonAsync($"/api/shells/{shell}/items/{lesson}/heartbeat", Beat()), HttpStatusCode.Conflict);
        await HttpAssert.ProblemAsync(await student.PutAsJsonAsync($"/api/shells/{shell}/items/{lesson}/position", new { seconds = 30 }), HttpStatusCode.Conflict);
        await HttpAssert.ProblemAsync(await stranger.PostAsJsonAsync($"/api/shells/{shell}/items/{lesson}/heartbeat", Beat()), HttpStatusCode.NotFound);
        Assert.Equal(0L, await district.ScalarAsync<long>("select count(*) from activity_events where module_item_id = $1", lesson));
        Assert.Equal(0L, await district.ScalarAsync<long>("select count(*) from item_progress where module_item_id = $1", lesson));

        // Once viewed, both are taken; the stranger's view is refused, so their beats stay refused.
        Assert.True((await student.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null)).IsSuccessStatusCode);
        await HttpAssert.ProblemAsync(await stranger.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null), HttpStatusCode.NotFound);
        var beats = await (await student.PostAsJsonAsync($"/api/shells/{shell}/items/{lesson}/heartbeat", Beat())).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, beats.GetProperty("stored").GetInt32());
        var position = await (await student.PutAsJsonAsync($"/api/shells/{shell}/items/{lesson}/position", new { seconds = 30 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(30, position.GetProperty("positionSeconds").GetInt32());
        await HttpAssert.ProblemAsync(await stranger.PostAsJsonAsync($"/api/shells/{shell}/items/{lesson}/heartbeat", Beat()), HttpStatusCode.NotFound);

        // Unpublished after the view: the recorded view no longer admits beats, and the full check answers 404 as before.
        await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/items/{lesson}/publish", new { published = false });
        await HttpAssert.ProblemAsync(await student.PostAsJsonAsync($"/api/shells/{shell}/items/{lesson}/heartbeat", Beat()), HttpStatusCode.NotFound);
    }
}
