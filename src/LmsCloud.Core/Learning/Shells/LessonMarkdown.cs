using Ganss.Xss;
using Markdig;

namespace LmsCloud.Core.Learning.Shells;

/// <summary>
/// A lesson's Markdown as HTML safe to put in a page: Markdig renders it (raw HTML in the Markdown is kept, teachers
/// paste it), then HtmlSanitizer keeps only an allow-list — no script, no event handlers, no iframes/objects/SVG/MathML,
/// no style, links and images only over http(s) (links also mailto), so no <c>javascript:</c> or <c>data:</c> URL survives.
/// </summary>
public static class LessonMarkdown
{
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables().UseEmphasisExtras().UseTaskLists().UseAutoLinks().Build();

    static readonly string[] Tags =
    [
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "ins", "mark", "sub", "sup",
        "small", "code", "pre", "kbd", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "table", "thead", "tbody",
        "tfoot", "tr", "th", "td", "caption", "figure", "figcaption", "span", "div", "abbr", "details", "summary", "input",
    ];

    static HtmlSanitizer CreateSanitizer()
    {
        var s = new HtmlSanitizer();
        s.AllowedTags.Clear();
        foreach (var t in Tags) s.AllowedTags.Add(t);
        s.AllowedAttributes.Clear();
        foreach (var a in new[] { "href", "src", "alt", "title", "colspan", "rowspan", "align", "start", "type", "checked", "disabled", "lang", "dir" })
            s.AllowedAttributes.Add(a);
        s.AllowedCssProperties.Clear();
        s.AllowedSchemes.Clear();
        s.AllowedSchemes.Add("http");
        s.AllowedSchemes.Add("https");
        s.AllowedSchemes.Add("mailto");
        s.UriAttributes.Add("src");
        s.AllowedAtRules.Clear();
        s.AllowDataAttributes = false;
        // A task list's checkbox is the only input kept, and it is inert.
        s.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { TagName: "INPUT" } input)
            {
                if (input.GetAttribute("type") != "checkbox") input.Remove();
                else input.SetAttribute("disabled", "disabled");
            }
            if (e.Node is AngleSharp.Dom.IElement { TagName: "A" } link && link.HasAttribute("href"))
                link.SetAttribute("rel", "noopener noreferrer nofollow");
            if (e.Node is AngleSharp.Dom.IElement { TagName: "IMG" } img && img.GetAttribute("src") is { } src &&
                !src.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !src.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                img.RemoveAttribute("src");
        };
        return s;
    }

    /// <summary>HtmlSanitizer is safe to share across threads once configured.</summary>
    static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    public static string ToSafeHtml(string markdown) => Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));
}
