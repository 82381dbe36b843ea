using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Learning;

/// <summary>
/// Every write to a course shell (ShellEditing) leaves one event in the district's audit chain, in the same
/// transaction: who (the teacher), which shell, what changed (ids; before and after of status and publish). The chain
/// still verifies after them; a refused write (another teacher, a student, bad input, an archived course) leaves none.
/// </summary>
public sealed class ShellAuditTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    sealed record ShellEvent(string Action, string? ActorId, JsonElement? Before, JsonElement? After);

    async Task<List<ShellEvent>> EventsAsync(ShellTestDistrict d, Guid shell)
    {
        await using var conn = await api.Database.OpenAsTenantAsync(d.District.Id);
        await using var cmd = new Npgsql.NpgsqlCommand("""
            select action, actor_id, before_values::text, after_values::text from audit_events
            where entity_type = 'course_shell' and entity_id = $1 order by seq
            """, conn);
        cmd.Parameters.AddWithValue(shell.ToString());
        await using var r = await cmd.ExecuteReaderAsync();
        var events = new List<ShellEvent>();
        while (await r.ReadAsync())
            events.Add(new(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1),
                r.IsDBNull(2) ? null : JsonDocument.Parse(r.GetString(2)).RootElement.Clone(),
                r.IsDBNull(3) ? null : JsonDocument.Parse(r.GetString(3)).RootElement.Clone()));
        return events;
    }

    static Guid Id(JsonElement e) => e.GetProperty("id").GetGuid();

    static async Task SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = body == null ? null : JsonContent.Create(body) });
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Every_shell_write_leaves_one_chained_event_naming_the_teacher_the_shell_and_what_changed()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var teacherId = await d.IdAsync("users", "nw-t-001");
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var p3 = await d.ShellOfAsync("nw-cls-alg1-p3");
        var english = await d.ShellOfAsync("nw-cls-eng1-p4");
        var englishModule = await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{english}/modules", new { title = "Reading" });
        await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{english}/modules/{Id(englishModule)}/items", new { kind = "link", title = "Poems", url = "https://example.org/poems" });
        var before = (await EventsAsync(d, shell)).Count;

        await SendAsync(teacher, HttpMethod.Patch, $"/api/shells/{shell}", new { title = "Algebra I (audited)" });
        var week1 = Id(await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/modules", new { title = "Week 1" }));
        var week2 = Id(await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/modules", new { title = "Week 2" }));
        await SendAsync(teacher, HttpMethod.Patch, $"/api/shells/{shell}/modules/{week2}", new { title = "Week 2: graphs", prerequisites = new[] { week1 } });
        var lesson = Id(await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/modules/{week1}/items",
            new { kind = "lesson", title = "Intro", body = "# One", requirement = "must_view" }));
        var link = Id(await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/modules/{week1}/items",
            new { kind = "link", title = "Desmos", url = "https://www.desmos.com/" }));
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new ByteArrayContent("%PDF-1.4\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"u8.ToArray()), "file", "syllabus.pdf");
            var uploaded = await teacher.PostAsync($"/api/shells/{shell}/modules/{week1}/files", form);
            Assert.True(uploaded.IsSuccessStatusCode, await uploaded.Content.ReadAsStringAsync());
        }
        await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/items/{lesson}/versions", new { body = "# One, revised" });
        await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/items/{lesson}/publish", new { published = true, versionNo = 2 });
        await SendAsync(teacher, HttpMethod.Patch, $"/api/shells/{shell}/items/{link}", new { title = "Desmos calculator" });
        await SendAsync(teacher, HttpMethod.Put, $"/api/shells/{shell}/modules/{week1}/items/order",
            new { order = (await ItemOrderAsync(d, week1)).AsEnumerable().Reverse().ToArray() });
        await SendAsync(teacher, HttpMethod.Put, $"/api/shells/{shell}/modules/order", new { order = new[] { week2, week1 } });
        await SendAsync(teacher, HttpMethod.Delete, $"/api/shells/{shell}/items/{link}");
        await SendAsync(teacher, HttpMethod.Delete, $"/api/shells/{shell}/modules/{week2}");
        await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/copy", new { sourceShellId = english });
        await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/merge", new { sourceShellId = p3 });
        await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/status", new { status = "published" });

        var events = (await EventsAsync(d, shell)).Skip(before).ToList();
        Assert.Equal(
        [
            "shell.updated", "module.created", "module.created", "module.updated", "item.created", "item.created", "item.created",
            "content_version.created", "item.published", "item.updated", "items.reordered", "modules.reordered", "item.deleted", "module.deleted",
            "shell.copied", "shell.merged", "shell.status_changed",
        ], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(teacherId.ToString(), e.ActorId));

        var status = events.Single(e => e.Action == "shell.status_changed");
        Assert.Equal("draft", status.Before!.Value.GetProperty("status").GetString());
        Assert.Equal("published", status.After!.Value.GetProperty("status").GetString());
        var published = events.Single(e => e.Action == "item.published");
        Assert.Equal(lesson, published.After!.Value.GetProperty("moduleItemId").GetGuid());
        Assert.False(published.Before!.Value.GetProperty("published").GetBoolean());
        Assert.True(published.After!.Value.GetProperty("published").GetBoolean());
        Assert.Equal(2, published.After!.Value.GetProperty("versionNo").GetInt32());
        var file = events.Where(e => e.Action == "item.created").Last().After!.Value.GetProperty("file");
        Assert.Equal("syllabus.pdf", file.GetProperty("name").GetString());
        Assert.Equal("application/pdf", file.GetProperty("contentType").GetString());
        Assert.Equal(link, events.Single(e => e.Action == "item.deleted").Before!.Value.GetProperty("moduleItemId").GetGuid());
        Assert.Equal(week2, events.Single(e => e.Action == "module.deleted").Before!.Value.GetProperty("moduleId").GetGuid());
        Assert.Equal("Desmos calculator", events.Single(e => e.Action == "item.updated").After!.Value.GetProperty("title").GetString());
        Assert.Equal("Desmos", events.Single(e => e.Action == "item.updated").Before!.Value.GetProperty("title").GetString());
        Assert.Equal(p3, events.Single(e => e.Action == "shell.merged").After!.Value.GetProperty("sourceShellId").GetGuid());
        Assert.Equal(1, events.Single(e => e.Action == "shell.copied").After!.Value.GetProperty("moduleItemsCopied").GetInt32());
        Assert.Equal([week2, week1], events.Single(e => e.Action == "modules.reordered").After!.Value.GetProperty("order").EnumerateArray().Select(x => x.GetGuid()));
        Assert.DoesNotContain("One, revised", events.Single(e => e.Action == "content_version.created").After!.Value.GetRawText()); // a digest, not the body

        await using var db = api.Database.CreateContext(d.District.Id);
        var chain = await AuditLog.VerifyAsync(db);
        Assert.True(chain.Ok, chain.Problem);
    }

    async Task<Guid[]> ItemOrderAsync(ShellTestDistrict d, Guid module)
    {
        await using var conn = await api.Database.OpenAsTenantAsync(d.District.Id);
        await using var cmd = new Npgsql.NpgsqlCommand("select id from module_items where module_id = $1 order by position", conn);
        cmd.Parameters.AddWithValue(module);
        await using var r = await cmd.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await r.ReadAsync()) ids.Add(r.GetGuid(0));
        return [.. ids];
    }

    [Fact]
    public async Task A_refused_write_leaves_no_event()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var student = await d.AsAsync("nw-s-001", Roles.Student);
        var outsider = await d.AsAsync("nw-t-003", Roles.Teacher);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var (module, item) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell);
        var before = (await EventsAsync(d, shell)).Count;

        async Task RefusedAsync(HttpClient client, HttpMethod method, string path, object body, HttpStatusCode expected)
        {
            var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) });
            Assert.Equal(expected, response.StatusCode);
        }

        await RefusedAsync(student, HttpMethod.Post, $"/api/shells/{shell}/status", new { status = "archived" }, HttpStatusCode.Forbidden);
        await RefusedAsync(outsider, HttpMethod.Post, $"/api/shells/{shell}/modules", new { title = "Mine now" }, HttpStatusCode.NotFound);
        await RefusedAsync(teacher, HttpMethod.Post, $"/api/shells/{shell}/modules", new { title = "" }, HttpStatusCode.BadRequest);
        await RefusedAsync(teacher, HttpMethod.Post, $"/api/shells/{shell}/items/{item}/publish", new { published = true, versionNo = 9 }, HttpStatusCode.BadRequest);
        await RefusedAsync(teacher, HttpMethod.Put, $"/api/shells/{shell}/modules/order", new { order = new[] { Guid.NewGuid() } }, HttpStatusCode.BadRequest);
        await RefusedAsync(teacher, HttpMethod.Post, $"/api/shells/{shell}/status", new { status = "published" }, HttpStatusCode.OK); // already: no change
        Assert.Equal(before, (await EventsAsync(d, shell)).Count);

        await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/status", new { status = "archived" });
        Assert.Equal(before + 1, (await EventsAsync(d, shell)).Count);
        await RefusedAsync(teacher, HttpMethod.Patch, $"/api/shells/{shell}/modules/{module}", new { title = "Too late" }, HttpStatusCode.Conflict);
        await RefusedAsync(teacher, HttpMethod.Post, $"/api/shells/{shell}/status", new { status = "published" }, HttpStatusCode.Conflict);
        Assert.Equal(before + 1, (await EventsAsync(d, shell)).Count);
    }
}
