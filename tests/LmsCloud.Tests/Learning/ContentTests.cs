using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Npgsql;
using static LmsCloud.Tests.Learning.ShellTestDistrict;

namespace LmsCloud.Tests.Learning;

/// <summary>Lessons: sanitised rendering of hostile Markdown, immutable versions with SHA-256, publishing, history and diffs.</summary>
public sealed class ContentTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    public static TheoryData<string> Hostile => new()
    {
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<img src=x onerror=alert(1)>",
        "<p onmouseover=\"alert(1)\">hover</p>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<svg><script>alert(1)</script></svg>",
        "<svg onload=alert(1)><animate onbegin=alert(1) attributeName=x /></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "<object data=\"javascript:alert(1)\"></object><embed src=\"javascript:alert(1)\">",
        "<form action=\"javascript:alert(1)\"><button>go</button></form>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<base href=\"javascript:alert(1)//\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "```\n</code><script>alert(1)</script>\n```",
        "<details open ontoggle=alert(1)>x</details>",
        "<input type=\"text\" onfocus=alert(1) autofocus>",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void No_script_survives_rendering(string markdown)
    {
        var html = LessonMarkdown.ToSafeHtml(markdown);
        var lower = html.ToLowerInvariant();
        Assert.DoesNotContain("<script", lower);
        Assert.DoesNotContain("javascript:", lower);
        Assert.DoesNotContain("data:", lower);
        Assert.DoesNotContain("<iframe", lower);
        Assert.DoesNotContain("<svg", lower);
        Assert.DoesNotContain("<math", lower);
        Assert.DoesNotContain("<object", lower);
        Assert.DoesNotContain("<embed", lower);
        Assert.DoesNotContain("<form", lower);
        Assert.DoesNotContain("<base", lower);
        Assert.DoesNotContain("<meta", lower);
        Assert.DoesNotContain("style=", lower);
        Assert.DoesNotMatch(@"<[^>]+\son\w+\s*=", lower); // no event-handler attribute on any element
    }

    [Fact]
    public void Ordinary_markdown_keeps_its_structure()
    {
        var html = LessonMarkdown.ToSafeHtml("# Fractions\n\nA **half** is [1/2](https://example.org/half).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] read");
        Assert.Contains("<h1", html);
        Assert.Contains("<strong>half</strong>", html);
        Assert.Contains("href=\"https://example.org/half\"", html);
        Assert.Contains("rel=\"noopener noreferrer nofollow\"", html);
        Assert.Contains("<table>", html);
        Assert.Contains("disabled", html); // a task list's checkbox, inert
    }

    [Fact]
    public async Task Editing_makes_new_versions_students_see_the_published_one_and_history_diffs()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var student = await d.AsAsync("nw-s-001", Roles.Student);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var (_, item) = await PublishedLessonAsync(teacher, shell, "line one\nline two\n<script>alert(1)</script>");

        var v2 = await PostAsync(teacher, $"/api/shells/{shell}/items/{item}/versions", new { body = "line one\nline 2\nline three" });
        Assert.Equal(2, v2.GetProperty("versionNo").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("line one\nline 2\nline three"))), v2.GetProperty("sha256").GetString());

        // the student still sees version 1, rendered safe; publishing version 2 switches them
        var seen = await student.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}/items/{item}/content");
        Assert.Equal(1, seen.GetProperty("versionNo").GetInt32());
        Assert.DoesNotContain("<script", seen.GetProperty("html").GetString());
        await PostAsync(teacher, $"/api/shells/{shell}/items/{item}/publish", new { published = true, versionNo = 2 });
        Assert.Equal(2, (await student.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}/items/{item}/content")).GetProperty("versionNo").GetInt32());
        await HttpAssert.ValidationProblemAsync(await teacher.PostAsJsonAsync($"/api/shells/{shell}/items/{item}/publish", new { versionNo = 9 }), "versionNo");

        var history = await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}/items/{item}/versions");
        Assert.Equal([2, 1], history.EnumerateArray().Select(v => v.GetProperty("versionNo").GetInt32()));
        Assert.True(history[0].GetProperty("published").GetBoolean());
        var diff = await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}/items/{item}/diff?from=1&to=2");
        var lines = diff.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("op").GetString() + l.GetProperty("text").GetString()).ToList();
        Assert.Equal([" line one", "-line two", "-<script>alert(1)</script>", "+line 2", "+line three"], lines);

        // history is the teacher's: the student is refused
        await HttpAssert.ProblemAsync(await student.GetAsync($"/api/shells/{shell}/items/{item}/versions"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_version_cannot_be_changed_or_deleted_even_by_the_application_role()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var (_, item) = await PublishedLessonAsync(teacher, await d.ShellOfAsync("nw-cls-alg1-p1"));
        var contentItem = await d.ScalarAsync<Guid>("select content_item_id from module_items where id = $1", item);
        await Assert.ThrowsAsync<PostgresException>(() => d.ExecAsync("update content_versions set body = 'changed' where item_id = $1", contentItem));
        await Assert.ThrowsAsync<PostgresException>(() => d.ExecAsync("delete from content_versions where item_id = $1", contentItem));
        Assert.Equal("# Hello\n\nWelcome.", await d.ScalarAsync<string>("select body from content_versions where item_id = $1", contentItem));
    }
}
