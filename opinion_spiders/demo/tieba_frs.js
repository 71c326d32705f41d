/* Builds the bar's thread list in the browser, like Tieba's FRS page: the server HTML
   carries no thread, the list comes from a JSON call. */
(function () {
  "use strict";
  var data = window.PageData || {};
  var kw = data.forum.name;
  var pn = data.pn || 0;
  var list = document.getElementById("thread_list");
  var pager = document.getElementById("frs_list_pager");

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function item(t) {
    var li = document.createElement("li");
    li.className = " j_thread_list clearfix" + (t.is_top ? " thread_top" : "");
    li.setAttribute("data-field", JSON.stringify({
      id: t.id, author_name: t.author_name, first_post_id: t.first_post_id,
      reply_num: t.reply_num, is_good: null, is_top: t.is_top
    }));
    li.setAttribute("data-tid", String(t.id));
    li.innerHTML =
      '<div class="t_con cleafix">' +
      '<div class="col2_left j_threadlist_li_left"><span class="threadlist_rep_num center_text" title="回复">' + t.reply_num + '</span></div>' +
      '<div class="col2_right j_threadlist_li_right"><div class="threadlist_lz clearfix">' +
      '<div class="threadlist_title pull_left j_th_tit">' + (t.is_top ? '<i class="icon-top" title="置顶"></i>' : '') +
      '<a rel="noreferrer" href="/tieba/p/' + t.id + '" title="' + esc(t.title) + '" target="_blank" class="j_th_tit ">' + esc(t.title) + '</a></div>' +
      '<div class="threadlist_author pull_right"><span class="tb_icon_author " title="主题作者: ' + esc(t.author_name) + '">' +
      '<span class="frs-author-name-wrap"><a rel="noreferrer" class="frs-author-name j_user_card " href="/tieba/home/main/?un=' +
      encodeURIComponent(t.author_name) + '" target="_blank">' + esc(t.author_name) + '</a></span></span>' +
      '<span class="pull-right is_show_create_time" title="创建时间">' + esc(t.create_time) + '</span></div></div>' +
      '<div class="threadlist_detail clearfix"><div class="threadlist_text pull_left"><div class="threadlist_abs threadlist_abs_onlyline ">' +
      esc(t.abstract) + '</div></div>' +
      '<div class="threadlist_author pull_right"><span class="tb_icon_author_rely j_replyer" title="最后回复人: ' + esc(t.last_replyer) + '">' +
      '<a rel="noreferrer" class="frs-author-name j_user_card " target="_blank">' + esc(t.last_replyer) + '</a></span>' +
      '<span class="threadlist_reply_date pull_right j_reply_data" title="最后回复时间">' + esc(t.last_reply_time) + '</span></div></div>' +
      '</div></div>';
    return li;
  }

  fetch("/tieba/api/threads?kw=" + encodeURIComponent(kw) + "&pn=" + pn)
    .then(function (r) { return r.json(); })
    .then(function (res) {
      res.threads.forEach(function (t) { list.appendChild(item(t)); });
      if (res.next_pn !== null) {
        var a = document.createElement("a");
        a.className = "next pagination-item ";
        a.href = "/tieba/f?kw=" + encodeURIComponent(kw) + "&ie=utf-8&pn=" + res.next_pn;
        a.textContent = "下一页>";
        pager.appendChild(a);
      }
      list.setAttribute("data-rendered", "1");
    });
})();
