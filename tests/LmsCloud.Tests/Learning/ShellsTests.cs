using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using static LmsCloud.Tests.Learning.ShellTestDistrict;

namespace LmsCloud.Tests.Learning;

/// <summary>Course shells from the roster, modules and items, reordering, archiving, merging and copying, over the API.</summary>
public sealed class ShellsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Every_imported_class_gets_one_shell_and_a_second_import_adds_none()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        Assert.Equal(6L, await d.ScalarAsync<long>("select count(*) from course_shells"));
        Assert.Equal(6L, await d.ScalarAsync<long>("select count(distinct class_id) from course_shell_classes"));
        Assert.Equal("Algebra I - P1", await d.ScalarAsync<string>("select title from course_shells where id = $1", await d.ShellOfAsync("nw-cls-alg1-p1")));
        Assert.Equal("draft", await d.ScalarAsync<string>("select status from course_shells where id = $1", await d.ShellOfAsync("nw-cls-alg1-p1")));

        await RosterSamples.ImportDirectlyAsync(api.Database, d.District.Id, "northwind-1.1-bulk");
        Assert.Equal(6L, await d.ScalarAsync<long>("select count(*) from course_shells"));
    }

    [Fact]
    public async Task A_class_the_SIS_drops_leaves_its_shell_archived_and_read_only()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p3");
        await d.ExecAsync("update classes set status = 'tobedeleted' where id = $1", await d.IdAsync("classes", "nw-cls-alg1-p3"));
        await using (var conn = await api.Database.OpenAsTenantAsync(d.District.Id))
            Assert.Equal(new ShellSync.Outcome(0, 1), await ShellSync.AfterImportAsync(conn, null, d.District.Id, CancellationToken.None));

        Assert.Equal("archived", await d.ScalarAsync<string>("select status from course_shells where id = $1", shell));
        Assert.Equal(1L, await d.ScalarAsync<long>("select count(*) from course_shell_classes where shell_id = $1", shell)); // kept, never deleted
        var admin = await d.AsNewAsync(Roles.DistrictAdmin);
        var refused = await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync($"/api/shells/{shell}/modules", new { title = "More" }), HttpStatusCode.Conflict);
        Assert.Contains("archived", refused.GetProperty("detail").GetString());
        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync($"/api/shells/{shell}/status", new { status = "published" }), HttpStatusCode.Conflict);
        // restoring to draft is the one move an archived shell takes
        Assert.True((await admin.PostAsJsonAsync($"/api/shells/{shell}/status", new { status = "draft" })).IsSuccessStatusCode);
    }

    [Fact]
    public async Task Reordering_keeps_positions_dense_and_refuses_an_incomplete_or_duplicated_order()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var ids = new List<Guid>();
        foreach (var title in new[] { "One", "Two", "Three" })
            ids.Add((await PostAsync(teacher, $"/api/shells/{shell}/modules", new { title })).GetProperty("id").GetGuid());
        // "Three" requires "Two"; moving Three first makes that prerequisite a later module, so it is dropped
        Assert.True((await teacher.PatchAsJsonAsync($"/api/shells/{shell}/modules/{ids[2]}", new { prerequisites = new[] { ids[1] } })).IsSuccessStatusCode);

        var reordered = await teacher.PutAsJsonAsync($"/api/shells/{shell}/modules/order", new { order = new[] { ids[2], ids[0], ids[1] } });
        Assert.Equal(1, (await reordered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("prerequisitesDropped").GetInt32());
        var detail = await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}");
        Assert.Equal(["Three", "One", "Two"], detail.GetProperty("modules").EnumerateArray().Select(m => m.GetProperty("title").GetString()));
        Assert.Equal([1, 2, 3], detail.GetProperty("modules").EnumerateArray().Select(m => m.GetProperty("position").GetInt32()));

        await HttpAssert.ValidationProblemAsync(await teacher.PutAsJsonAsync($"/api/shells/{shell}/modules/order", new { order = new[] { ids[0], ids[1] } }), "order", "missing one");
        await HttpAssert.ValidationProblemAsync(await teacher.PutAsJsonAsync($"/api/shells/{shell}/modules/order", new { order = new[] { ids[0], ids[0], ids[1] } }), "order", "duplicate");
        await HttpAssert.ValidationProblemAsync(await teacher.PutAsJsonAsync($"/api/shells/{shell}/modules/order", new { order = new[] { ids[0], ids[1], Guid.NewGuid() } }), "order", "foreign id");

        // a prerequisite must be an earlier module
        await HttpAssert.ValidationProblemAsync(await teacher.PatchAsJsonAsync($"/api/shells/{shell}/modules/{ids[0]}", new { prerequisites = new[] { ids[1] } }), "prerequisites");

        // deleting closes the gap
        Assert.Equal(HttpStatusCode.NoContent, (await teacher.DeleteAsync($"/api/shells/{shell}/modules/{ids[0]}")).StatusCode);
        detail = await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}");
        Assert.Equal([1, 2], detail.GetProperty("modules").EnumerateArray().Select(m => m.GetProperty("position").GetInt32()));
        Assert.Equal(2, detail.GetProperty("shell").GetProperty("moduleCount").GetInt32());
    }

    [Fact]
    public async Task Items_of_every_kind_reorder_in_one_request_and_requirements_fit_the_kind()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var module = (await PostAsync(teacher, $"/api/shells/{shell}/modules", new { title = "Week 1" })).GetProperty("id").GetGuid();
        var path = $"/api/shells/{shell}/modules/{module}/items";
        var lesson = (await PostAsync(teacher, path, new { kind = "lesson", title = "Read", body = "Text", requirement = "must_view" })).GetProperty("id").GetGuid();
        var link = (await PostAsync(teacher, path, new { kind = "link", title = "Khan", url = "https://www.khanacademy.org/" })).GetProperty("id").GetGuid();
        var quiz = (await PostAsync(teacher, path, new { kind = "quiz", title = "Quiz 1", requirement = "min_score", minScore = 7.5 })).GetProperty("id").GetGuid();

        await HttpAssert.ValidationProblemAsync(await teacher.PostAsJsonAsync(path, new { kind = "lesson", title = "X", requirement = "min_score", minScore = 5 }), "requirement");
        await HttpAssert.ValidationProblemAsync(await teacher.PostAsJsonAsync(path, new { kind = "link", title = "X", url = "javascript:alert(1)" }), "url");
        await HttpAssert.ValidationProblemAsync(await teacher.PostAsJsonAsync(path, new { kind = "video", title = "X" }), "kind");

        Assert.Equal(HttpStatusCode.NoContent, (await teacher.PutAsJsonAsync($"{path}/order", new { order = new[] { quiz, lesson, link } })).StatusCode);
        var items = (await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}")).GetProperty("modules")[0].GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["Quiz 1", "Read", "Khan"], items.Select(i => i.GetProperty("title").GetString()));
        Assert.Equal([1, 2, 3], items.Select(i => i.GetProperty("position").GetInt32()));
        await HttpAssert.ValidationProblemAsync(await teacher.PutAsJsonAsync($"{path}/order", new { order = new[] { quiz, lesson } }), "order");

        Assert.Equal(HttpStatusCode.NoContent, (await teacher.DeleteAsync($"/api/shells/{shell}/items/{quiz}")).StatusCode);
        items = (await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}")).GetProperty("modules")[0].GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([1, 2], items.Select(i => i.GetProperty("position").GetInt32()));
    }

    [Fact]
    public async Task A_file_is_stored_by_its_sniffed_type_and_html_or_an_oversized_file_is_refused()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var module = (await PostAsync(teacher, $"/api/shells/{shell}/modules", new { title = "Files" })).GetProperty("id").GetGuid();

        static MultipartFormDataContent Upload(byte[] bytes, string name, string declared)
        {
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new(declared);
            return new MultipartFormDataContent { { file, "file", name } };
        }
        var pdf = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"u8.ToArray();
        var created = await teacher.PostAsync($"/api/shells/{shell}/modules/{module}/files", Upload(pdf, "syllabus.pdf", "text/html"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var item = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var download = await teacher.GetAsync($"/api/shells/{shell}/items/{item}/file");
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType); // sniffed, not the declared text/html
        Assert.Equal(pdf, await download.Content.ReadAsByteArrayAsync());

        await HttpAssert.ValidationProblemAsync(await teacher.PostAsync($"/api/shells/{shell}/modules/{module}/files",
            Upload("<html><script>alert(1)</script></html>"u8.ToArray(), "notes.pdf", "application/pdf")), "file", "html posing as pdf");
        await HttpAssert.ValidationProblemAsync(await teacher.PostAsync($"/api/shells/{shell}/modules/{module}/files",
            Upload("<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"u8.ToArray(), "pic.png", "image/png")), "file", "svg");
        var big = new byte[51 * 1024 * 1024];
        "%PDF-"u8.CopyTo(big);
        await HttpAssert.ValidationProblemAsync(await teacher.PostAsync($"/api/shells/{shell}/modules/{module}/files",
            Upload(big, "big.pdf", "application/pdf")), "file", "over 50 MB");
    }

    [Fact]
    public async Task Merging_sections_moves_the_class_links_and_archives_the_emptied_shell()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var p1 = await d.ShellOfAsync("nw-cls-alg1-p1");
        var p3 = await d.ShellOfAsync("nw-cls-alg1-p3");
        var merged = await PostAsync(teacher, $"/api/shells/{p1}/merge", new { sourceShellId = p3 });
        Assert.Equal(2, merged.GetProperty("classIds").GetArrayLength());
        Assert.Equal(p1, await d.ShellOfAsync("nw-cls-alg1-p3"));
        Assert.Equal("archived", await d.ScalarAsync<string>("select status from course_shells where id = $1", p3));

        // a shell the teacher does not teach cannot be merged in
        var bio = await d.ShellOfAsync("nw-cls-bio-p2");
        await HttpAssert.ProblemAsync(await teacher.PostAsJsonAsync($"/api/shells/{p1}/merge", new { sourceShellId = bio }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Copying_a_shell_brings_modules_prerequisites_items_and_current_versions_unpublished()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var source = await d.ShellOfAsync("nw-cls-alg1-p1");
        var target = await d.ShellOfAsync("nw-cls-eng1-p4");
        var (module, lesson) = await PublishedLessonAsync(teacher, source, "v1");
        await PostAsync(teacher, $"/api/shells/{source}/items/{lesson}/versions", new { body = "v2 is current" });
        var second = (await PostAsync(teacher, $"/api/shells/{source}/modules", new { title = "Week 2", prerequisites = new[] { module } })).GetProperty("id").GetGuid();

        var copied = await PostAsync(teacher, $"/api/shells/{target}/copy", new { sourceShellId = source });
        Assert.Equal(1, copied.GetProperty("itemsCopied").GetInt32());
        var detail = await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{target}");
        var modules = detail.GetProperty("modules").EnumerateArray().ToList();
        Assert.Equal(["Week 1", "Week 2"], modules.Select(m => m.GetProperty("title").GetString()));
        Assert.Equal(modules[0].GetProperty("id").GetGuid(), modules[1].GetProperty("prerequisites")[0].GetGuid());
        Assert.NotEqual(second, modules[1].GetProperty("id").GetGuid());
        var copy = modules[0].GetProperty("items")[0];
        Assert.False(copy.GetProperty("published").GetBoolean());
        var content = await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{target}/items/{copy.GetProperty("id").GetGuid()}/content");
        Assert.Equal("v2 is current", content.GetProperty("body").GetString());
        Assert.Equal(1, content.GetProperty("versionNo").GetInt32());
    }
}
